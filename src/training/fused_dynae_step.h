#pragma once
// One DynAE training (or evaluation) step on a minibatch of lagged pairs,
// fused: the arithmetic of DynAEObjective::loss, the autoencoder's Adam step,
// DynAEObjective::prior_loss and the prior's Adam step (METHOD.md "Losses"),
// done over plain float buffers with hand-written backward passes
// (nn/fused_mlp.h, losses/sliced_wasserstein_kernel.h, training/flat_adam.h).
// It applies to the vector-data DynAE with fixed diffusion, the reference
// configuration; training/fused_step.cpp binds it behind the TrainStep seam
// (training/train_step.h), the autograd step covers everything else, and
// tests check that both give the same numbers. Torch-free: the random
// draws (prior noise, directions) come from the caller, so both paths consume
// the generator identically.
#include <cstdint>
#include <vector>

#include "losses/sliced_wasserstein_kernel.h"
#include "nn/fused_mlp.h"
#include "training/flat_adam.h"

namespace dynae {

/// The loss terms of one minibatch, as the LibTorch path reports them.
struct FusedLosses {
  double loss = 0, reconstruction = 0, regularization = 0, prior = 0;
};

class FusedDynAEStep {
 public:
  /// The networks' gradient pointers must lie in the optimizers' buffers:
  /// encoder and decoder in `autoencoder`, the force net in `prior`.
  FusedDynAEStep(FusedMlp encoder, FusedMlp decoder, FusedMlp force, FlatAdam autoencoder, FlatAdam prior);

  /// A minibatch of `batch` pairs: x (2 batch, in) holds the frames x_t in
  /// its first `batch` rows and x_{t+lag} in the rest, y (2 batch, out) their
  /// targets in the same order (y may be x). `noise` (batch, d) are the
  /// prior's standard normal draws, `directions` (L, d) unit vectors. With
  /// `train`, one Adam step of the autoencoder, then one of the prior, as the
  /// trainer does; without, only the loss terms.
  FusedLosses run(const float* x, const float* y, int64_t batch, const float* noise, const float* directions,
                  int64_t L, double beta, bool train);

  /// Mean transition negative log-likelihood of (z0, z1) rows (row-major,
  /// (rows, d)) under the force net with unit diffusion; with `train`, one
  /// Adam step of the prior on it (the refit at the end of training).
  double prior_step(const float* z0, const float* z1, int64_t rows, bool train);

  /// z (rows, d) = E(x) for rows of x (rows, in), in chunks (no gradient).
  void encode(const float* x, int64_t rows, float* z);

  FlatAdam& autoencoder_optimizer() { return ae_opt_; }
  FlatAdam& prior_optimizer() { return prior_opt_; }
  const FlatAdam& autoencoder_optimizer() const { return ae_opt_; }
  const FlatAdam& prior_optimizer() const { return prior_opt_; }
  FusedMlp& force() { return force_; }

 private:
  FusedMlp encoder_, decoder_, force_;
  FlatAdam ae_opt_, prior_opt_;
  /// Mean transition NLL of the rows given f = f(z0); keeps the residual.
  double prior_nll(const float* z0, const float* z1, const float* f, int64_t rows);
  /// One prior Adam step from the kept residual and the force net's last forward.
  void prior_update(int64_t rows);

  int64_t d_;
  std::vector<float> moves_, prior_moves_, grad_moves_, grad_out_, grad_z_, residual_;
  SlicedWassersteinScratch swd_;
};

}  // namespace dynae
