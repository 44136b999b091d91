#pragma once
// What one training step does, behind one interface (METHOD.md "Losses"),
// with two implementations chosen once per training by make_train_step:
//  - AutogradStep (training/autograd_step.cpp): any neural model, its
//    minibatch loss from the model kind's Objective, LibTorch autograd and
//    torch::optim::Adam;
//  - FusedStep (training/fused_step.cpp): the vector-data DynAE with fixed
//    diffusion through the fused kernels (training/fused_dynae_step.h).
// The trainer (training/trainer.cpp) only schedules: it never asks which
// implementation it drives. Both draw their random numbers (prior noise,
// projections) from the trainer's generator in the same order, so they
// compute the same mathematics on the same draws.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "dynae/models/model.h"
#include "dynae/training/communicator.h"

namespace at {
class Generator;
}

namespace dynae {

class FrameRows;

/// A minibatch of lagged pairs: the first frames of `count` pairs (global
/// frame indices, see data/frame_rows.h); the second frames are `lag` later.
struct PairRefs {
  const int64_t* first_frames = nullptr;
  int64_t count = 0;
};

/// The loss terms of one minibatch (METHOD.md "Losses").
struct StepLosses {
  double loss = 0;  ///< reconstruction + beta * regularization
  double reconstruction = 0;
  double regularization = 0;  ///< before beta
  double prior = 0;           ///< the prior's transition NLL (0 without a prior of its own)
  /// Data-parallel training across processes: some rank was interrupted
  /// (SIGINT / SIGTERM); every rank stops after this same step.
  bool stop = false;
};

class TrainStep {
 public:
  virtual ~TrainStep() = default;

  /// The autoencoder optimizer's learning rate from now on; with `restart`,
  /// a fresh optimizer state (the end of the warm-up).
  virtual void set_learning_rate(double lr, bool restart) = 0;
  /// One optimizer step of the autoencoder on `batch` at `beta`, then one of
  /// the prior when the model trains its prior in a step of its own.
  virtual StepLosses train(const PairRefs& batch, double beta) = 0;
  /// The loss terms of `count` batches, batch(0) .. batch(count - 1), summed
  /// over the batches, without any update (evaluation mode). Across ranks the
  /// sums are reduced once, after the last batch; each rank's partial sums
  /// are its shard's terms weighted by the shard's share of each batch.
  /// `batch(b)` may reuse the memory of the batch before.
  virtual StepLosses evaluate_batches(int64_t count, const std::function<PairRefs(int64_t)>& batch, double beta) = 0;
  /// One batch's loss terms, without any update.
  StepLosses evaluate(const PairRefs& batch, double beta) {
    return evaluate_batches(1, [&](int64_t) { return batch; }, beta);
  }
  /// z (n, d) = E(x) of frames[k] + shift, k < n, without gradient.
  virtual void encode(const int64_t* frames, int64_t n, int64_t shift, float* z) = 0;

  /// Whether the model has a prior trained by its own step (DynAE): only
  /// then do the prior-refit calls below apply.
  virtual bool has_own_prior() const = 0;
  /// Starts refitting the prior to fixed latents: a fresh prior optimizer.
  virtual void begin_prior_refit() = 0;
  /// One prior step at learning rate `lr` on rows (z0, z1), each (n, d)
  /// row-major float; returns the mean transition NLL before the step.
  virtual double refit_prior_step(const float* z0, const float* z1, int64_t n, double lr) = 0;

  /// The optimizers' state (moments, step counts, learning rates) as bytes,
  /// and back: beside the weights and the generator, what a resumed training
  /// needs to continue exactly as an uninterrupted one. load_state throws
  /// CheckpointError when the bytes do not fit this step.
  virtual std::string save_state() const = 0;
  virtual void load_state(const std::string& bytes) = 0;

  /// OpenBLAS threads while this step trains (0: leave the setting alone).
  virtual int blas_threads() const { return 0; }
  /// LibTorch intra-op threads while this step trains (0: leave the setting
  /// alone). A step with its own thread team asks for 1, so that LibTorch's
  /// idle workers do not spin on the cores the team uses.
  virtual int torch_threads() const { return 0; }
  /// The model's prior substeps changed (option prior_substeps = 0, chosen
  /// after the warm-up); a step that keeps its own copy follows.
  virtual void prior_substeps_changed(int64_t /*substeps*/) {}
};

/// What a step works on: the model being trained (its weights are updated
/// in place), the inputs and decoder targets read in place, and the
/// trainer's generator. All must outlive the step.
struct StepContext {
  Model::Impl& model;
  const FrameRows& inputs;
  const FrameRows& targets;
  at::Generator& generator;
  /// Data parallelism: each batch split into shards, this process's summed
  /// with the other ranks' (training/data_parallel_step.h); default: none.
  DataParallel parallel = {};
};

/// The fused step when it applies to the model (its kind has fused kernels,
/// options.fused_kernels, fixed diffusion, a free force, fully connected networks with
/// float32 CPU weights), else the autograd step.
std::unique_ptr<TrainStep> make_train_step(const StepContext& context);
/// Each implementation on its own (tests run the same behaviour on both).
std::unique_ptr<TrainStep> make_autograd_step(const StepContext& context);
/// nullptr when the fused kernels do not apply to the model.
std::unique_ptr<TrainStep> make_fused_step(const StepContext& context);

}  // namespace dynae
