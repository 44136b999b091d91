#pragma once
// The diffusion a trained DynAE latent actually has. The prior assumes unit
// diffusion; the encoder reaches it only to a few per cent, and generated
// dynamics with the unit noise then run at another temperature than the
// encoded data (a latent that moves 5 % less than the noise crosses its
// barriers ~25 % too often when generated). Given the refitted force f, the
// maximum-likelihood constant diffusion of the one-step transition
// z1 ~ N(z0 + f(z0), 2 D) is the residuals' second moment over 2.
#include <cstdint>
#include <vector>

#include "dynae/array.h"
#include "dynae/models/model_kind.h"

namespace dynae {

class LangevinPriorImpl;

/// Whether a prior's moves are the ones a measured constant diffusion
/// describes: Langevin dynamics (DynAE) with a free force, fixed unit
/// diffusion and one Euler step per lag. (A learned diffusion is its own; a
/// conservative force's stationary density exp(-U) needs D = I; substeps'
/// lag moves are not one step; SDE-VAE's noise is its own.)
bool moves_with_latent_diffusion(const LangevinPriorImpl& prior, LatentDynamics dynamics);

/// D = sum_k w_k r_k r_k^T / (2 sum_k w_k), r_k = z1_k - z0_k - f(z0_k), over
/// n pairs of d-dimensional latents (row-major float32; `weights` empty =
/// equal). Returns (d, d), or an empty Array when D is not a
/// valid_latent_diffusion (a collapsed latent): the unit diffusion then stays.
Array measure_latent_diffusion(LangevinPriorImpl& prior, const float* z0, const float* z1, int64_t n, int64_t d,
                               const std::vector<double>& weights);

/// Whether `a` is a finite, symmetric (to 1e-9 relative) square matrix whose
/// smallest eigenvalue is above 1e-6 of its largest (positive definite, and
/// not collapsed along a direction in which the latent does not move).
bool valid_latent_diffusion(const Array& a);

/// The mean of D's diagonal: the diffusion per coordinate (1 is the prior's).
double mean_diagonal(const Array& a);

}  // namespace dynae
