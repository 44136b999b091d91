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
//
// Pieces: an implementation with W workers (own buffers on shared weights)
// has each rank's shard split further into W pieces, computed by up to W
// threads at once (thread m computes pieces m, m + T, ...) and summed in
// piece order: W pieces give what W shards (or ranks) of one thread give,
// bit for bit, on any number of threads. Results depend on W, not on the
// threads or timing.
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "dynae/training/communicator.h"
#include "training/train_step.h"

namespace dynae {

class ThreadTeam;

/// What a step implementation provides to be split.
class ShardedComputation {
 public:
  struct GradientSpan {
    float* data;
    int64_t size;
  };
  virtual ~ShardedComputation() = default;
  /// The loss terms of `batch` computed by worker `worker` (its own buffers;
  /// workers run at once on different threads), drawing its random numbers
  /// from `gen`; with `gradients`, their gradients replace the contents of
  /// the worker's gradient spans (no optimizer step).
  virtual StepLosses compute(int worker, const PairRefs& batch, double beta, at::Generator& gen,
                             bool gradients) = 0;
  /// Every gradient buffer of worker `worker`, in a fixed order (the same
  /// layout for every worker); worker 0's are those the optimizers step from.
  virtual void gradient_spans(int worker, std::vector<GradientSpan>& out) = 0;
  /// One step of every optimizer from worker 0's gradient spans.
  virtual void apply_gradients() = 0;
};

class DataParallelSteps {
 public:
  /// `workers` >= 1: the computation's workers (pieces of each shard),
  /// computed on min(threads, workers) threads.
  DataParallelSteps(const DataParallel& parallel, at::Generator& generator, int workers = 1, int threads = 1);
  ~DataParallelSteps();
  const DataParallel& parallel() const { return parallel_; }
  int workers() const { return workers_; }
  /// The threads (member m runs workers m, m + size, ...; m < workers), for
  /// the implementation's other work split by rows (encoding).
  ThreadTeam& team() { return *team_; }
  /// The batch's gradient (this rank's shard, summed with the others'), then
  /// one optimizer step; the whole batch's loss terms (on every rank).
  StepLosses train(const PairRefs& batch, double beta, ShardedComputation& c);
  /// The loss terms of `count` whole batches summed over the batches, without
  /// any update: each shard's weighted terms are summed over the batches, then
  /// over the shards (one allreduce across ranks, not one per batch).
  StepLosses evaluate(int64_t count, const std::function<PairRefs(int64_t)>& batch, double beta,
                      ShardedComputation& c);

 private:
  /// Runs f(t) for every worker t, on the team.
  template <class F>
  void for_workers(F&& f);
  /// Piece t of shard s of a batch of B pairs: its first pair and its pairs.
  struct Shard {
    int64_t begin, size;
    double weight;  ///< size / B
  };
  Shard shard(int64_t s, int64_t t, int64_t B) const;
  bool split() const { return parallel_.active() || workers() > 1; }
  /// The generator of shard s of the current batch (key: one draw of the
  /// trainer's generator per batch, the same on every rank).
  static at::Generator shard_generator(uint64_t key, int64_t s);
  uint64_t batch_key();
  int64_t first_shard() const;
  int64_t last_shard() const;
  DataParallel parallel_;
  at::Generator& generator_;
  int workers_;
  std::unique_ptr<ThreadTeam> team_;
  std::vector<float> sum_;  // the weighted gradients, loss terms and stop flag
  std::vector<float> local_;  // one shard's (its pieces', in piece order)
  std::vector<double> terms_;  // an evaluation's loss terms per piece
  std::vector<StepLosses> piece_losses_;
  std::vector<std::vector<ShardedComputation::GradientSpan>> spans_;  // per worker
};

}  // namespace dynae
