#pragma once
// The data-parallel part of a training step, shared by its implementations
// (training/train_step.h): a batch split into shards (dynae/training/
// communicator.h: DataParallel), each shard's loss and gradient computed with
// its own random draws, the weighted gradients summed (one allreduce across
// ranks of the flat gradient, the loss terms and a stop flag), then one
// optimizer step on every rank. With one shard it is the plain step: the
// implementation's computation on the whole batch with the trainer's
// generator, the same bits as before data parallelism existed.
#include <cstdint>
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
  /// The whole batch's loss terms, without any update.
  StepLosses evaluate(const PairRefs& batch, double beta, ShardedComputation& c);

 private:
  StepLosses run(const PairRefs& batch, double beta, ShardedComputation& c, bool train);
  DataParallel parallel_;
  at::Generator& generator_;
  std::vector<double> sum_;  // the weighted gradients, loss terms and stop flag
  std::vector<ShardedComputation::GradientSpan> spans_;
};

}  // namespace dynae
