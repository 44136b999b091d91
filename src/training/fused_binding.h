#pragma once
// Binds the fused DynAE step (training/fused_dynae_step.h) to a model's own
// weight tensors: the fused kernels read and update them in place, so the
// model (save, encode, clone) needs no copying back.
#include <memory>

#include "dynae/models/model.h"
#include "training/fused_dynae_step.h"

namespace dynae {

/// The fused step for `m`, or nullptr when the fused path does not apply
/// (options.fused_kernels off, not a DynAE, learned diffusion, image
/// networks, or weights that are not contiguous float32 on the CPU). The
/// autoencoder's optimizer starts at `autoencoder_lr`, the prior's at `prior_lr`.
std::unique_ptr<FusedDynAEStep> bind_fused_step(Model::Impl& m, double autoencoder_lr, double prior_lr);

}  // namespace dynae
