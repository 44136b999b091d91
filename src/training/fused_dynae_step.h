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

class ThreadTeam;

/// The loss terms of one minibatch, as the LibTorch path reports them.
struct FusedLosses {
  double loss = 0, reconstruction = 0, regularization = 0, prior = 0;
};

class FusedDynAEStep {
 public:
  /// The networks' gradient pointers must lie in the optimizers' buffers:
  /// encoder and decoder in `autoencoder`, the force net in `prior`.
  /// `substeps` > 1: the prior's moves are that many Euler-Maruyama steps
  /// of 1/n per lag and the force is fitted by their energy score from
  /// `score_samples` simulated moves per pair (priors/langevin_prior.h).
  /// The kernels run on the calling thread (a training's threads each run
  /// their own kernels on a piece of the batch, training/data_parallel_step.h).
  FusedDynAEStep(FusedMlp encoder, FusedMlp decoder, FusedMlp force, FlatAdam autoencoder, FlatAdam prior,
                 int64_t substeps = 1, int64_t score_samples = 4);
  ~FusedDynAEStep();
  /// From now on (nullptr: no longer), the networks' row chunks, the sliced
  /// Wasserstein distance's directions and Adam's elements are split between
  /// `team`'s threads (cpu/thread_team.h), which must be idle otherwise; the
  /// results are the same bits for any team size. (The prior refit: one
  /// whole batch at a time.)
  void set_team(ThreadTeam* team);

  /// A minibatch of `batch` pairs: x (2 batch, in) holds the frames x_t in
  /// its first `batch` rows and x_{t+lag} in the rest, y (2 batch, out) their
  /// targets in the same order (y may be x). `noise` (substeps, batch, d)
  /// are the prior's standard normal draws, `directions` (L, d) unit vectors,
  /// `score_noise` (substeps, score_samples * batch, d) the draws of the
  /// energy score (substeps > 1 only; may be null otherwise). With `train`,
  /// the gradients of the autoencoder's and the prior's losses fill the
  /// optimizers' gradient buffers (step() then updates both, as the trainer
  /// does); without, only the loss terms.
  FusedLosses run(const float* x, const float* y, int64_t batch, const float* noise, const float* directions,
                  int64_t L, double beta, bool train, const float* score_noise = nullptr);

  /// One Adam step of the autoencoder, then one of the prior, from their
  /// gradient buffers (after run with `train`; data parallelism sums the
  /// ranks' gradients in between).
  void step();

  /// The prior's mean loss on (z0, z1) rows (row-major, (rows, d)) under the
  /// force net with unit diffusion: the transition negative log-likelihood
  /// for one substep, the energy score (draws `score_noise`, as in run) for
  /// more; with `train`, one Adam step of the prior on it (the refit at the
  /// end of training).
  double prior_step(const float* z0, const float* z1, int64_t rows, bool train, const float* score_noise = nullptr);

  int64_t substeps() const { return substeps_; }
  void set_substeps(int64_t n);
  int64_t score_samples() const { return score_samples_; }

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
  /// The prior's gradient from the kept residual and the force net's last forward.
  void prior_gradient(int64_t rows);
  /// z0 (rows, d) moved by the substeps with `noise` (substeps, rows, d) into
  /// `out` (no gradient kept).
  void simulate(const float* z0, int64_t rows, const float* noise, float* out);
  /// Mean energy score of the rows; keeps every substep's state and the
  /// score's gradient for score_update.
  double energy_score(const float* z0, const float* z1, int64_t rows, const float* noise);
  /// The prior's gradient: the kept score gradient back through the substeps.
  void score_gradient();

  int64_t d_, substeps_, score_samples_;
  std::vector<FusedMlp> force_steps_;  // the force net once per substep (own activations, shared weights)
  std::vector<float> states_, grad_state_, scratch_;
  int64_t score_rows_ = 0;
  std::vector<float> moves_, prior_moves_, grad_moves_, grad_out_, grad_z_, residual_;
  SlicedWassersteinScratch swd_;
  ThreadTeam* team_ = nullptr;  // lent by the caller (set_team)
};

}  // namespace dynae
