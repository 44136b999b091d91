#pragma once
// The data-parallel part of a training step, shared by its implementations
// (training/train_step.h): a batch split into shards (dynae/training/
// communicator.h: DataParallel), each shard's loss and gradient computed with
// its own random draws, the weighted gradients summed (one allreduce across
// ranks of the flat single-precision gradient, the loss terms and a stop
// flag; an evaluation's loss terms: one allreduce after its last batch), then one
// optimizer step on every rank. With one shard it is the plain step: the
// implementation's computation on the whole batch with the trainer's
// generator, the same bits as before data parallelism existed.
#include <cstdint>
#include <functional>
#include <vector>

#include "dynae/training/communicator.h"
#include "training/train_step.h"

namespace dynae {

/// What a step implementation provides to be split.
class ShardedComputation {
 public:
  struct GradientSpan {
    float* data;
    int64_t size;
  };
  virtual ~ShardedComputation() = default;
  /// The loss terms of `batch`, drawing its random numbers from `gen`; with
  /// `gradients`, their gradients replace the contents of the gradient spans
  /// (no optimizer step).
  virtual StepLosses compute(const PairRefs& batch, double beta, at::Generator& gen, bool gradients) = 0;
  /// Every gradient buffer the optimizers step from, in a fixed order.
  virtual void gradient_spans(std::vector<GradientSpan>& out) = 0;
  /// One step of every optimizer from the gradient spans.
  virtual void apply_gradients() = 0;
};

class DataParallelSteps {
 public:
  DataParallelSteps(const DataParallel& parallel, at::Generator& generator)
      : parallel_(parallel), generator_(generator) {}
  const DataParallel& parallel() const { return parallel_; }
  /// The batch's gradient (this rank's shard, summed with the others'), then
  /// one optimizer step; the whole batch's loss terms (on every rank).
  StepLosses train(const PairRefs& batch, double beta, ShardedComputation& c);
  /// The loss terms of `count` whole batches summed over the batches, without
  /// any update: each shard's weighted terms are summed over the batches, then
  /// over the shards (one allreduce across ranks, not one per batch).
  StepLosses evaluate(int64_t count, const std::function<PairRefs(int64_t)>& batch, double beta,
                      ShardedComputation& c);

 private:
  /// Shard s of a batch of B pairs: its first pair and its pairs.
  struct Shard {
    int64_t begin, size;
    double weight;  ///< size / B
  };
  Shard shard(int64_t s, int64_t B) const;
  /// The generator of shard s of the current batch (key: one draw of the
  /// trainer's generator per batch, the same on every rank).
  static at::Generator shard_generator(uint64_t key, int64_t s);
  uint64_t batch_key();
  int64_t first_shard() const;
  int64_t last_shard() const;
  DataParallel parallel_;
  at::Generator& generator_;
  std::vector<float> sum_;  // the weighted gradients, loss terms and stop flag
  std::vector<double> terms_;  // an evaluation's loss terms per shard
  std::vector<ShardedComputation::GradientSpan> spans_;
};

}  // namespace dynae
