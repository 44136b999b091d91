#pragma once
// What a trained DynAE's dynamics could not identify, without ground truth:
// the relaxation per lag (kappa) along each eigen-direction of the learned
// force's mean Jacobian over the encoded frames, the latent's measured
// diffusion along them, and the same kappa from two halves of the frames.
#include <string>
#include <vector>

#include "dynae/array.h"
#include "dynae/models/model.h"

namespace dynae {

/// The diagnosis of `model` (with learned dynamics) on its latents of the
/// training frames (one array per trajectory; at most `max_frames` evenly
/// spaced frames are used). The force's Jacobian by central differences.
/// Error for a model without dynamics, DataError for latents of another width.
Identifiability diagnose_identifiability(const Model& model, const std::vector<Array>& latents,
                                         int64_t max_frames = 4000);

/// The diagnosis for a reader: one line per direction (kappa, the halves'
/// kappa, the diffusion), then a warning naming every direction with
/// kappa > 1 and what to do about it, or that every direction is identified.
std::string identifiability_text(const Identifiability& id, int64_t lag);

}  // namespace dynae
