#include "training/data_parallel_step.h"

#include <ATen/CPUGeneratorImpl.h>

#include <mutex>

#include "dynae/runtime.h"
#include "util/random_permutation.h"

namespace dynae {

StepLosses DataParallelSteps::train(const PairRefs& batch, double beta, ShardedComputation& c) {
  return run(batch, beta, c, true);
}

StepLosses DataParallelSteps::evaluate(const PairRefs& batch, double beta, ShardedComputation& c) {
  return run(batch, beta, c, false);
}

StepLosses DataParallelSteps::run(const PairRefs& batch, double beta, ShardedComputation& c, bool train) {
  if (!parallel_.active()) {
    const StepLosses losses = c.compute(batch, beta, generator_, train);
    if (train) c.apply_gradients();
    return losses;
  }
  const int64_t B = batch.count, N = parallel_.shards;  // B >= N (check_data_parallel)
  // One draw of the trainer's generator per step, the same on every rank;
  // each shard draws its noise and directions from its own stream of it.
  uint64_t key;
  {
    std::lock_guard<std::mutex> lock(generator_.mutex());
    key = generator_.get<at::CPUGeneratorImpl>()->random64();
  }
  spans_.clear();
  if (train) c.gradient_spans(spans_);
  int64_t P = 0;
  for (const auto& s : spans_) P += s.size;
  constexpr int64_t kTerms = 5;  // loss, reconstruction, regularization, prior, stop flag
  sum_.assign(static_cast<size_t>(P + kTerms), 0.0);
  const int64_t first = parallel_.comm ? parallel_.comm->rank() : 0;
  const int64_t last = parallel_.comm ? first + 1 : N;
  for (int64_t s = first; s < last; ++s) {
    const int64_t begin = s * B / N, n = (s + 1) * B / N - begin;
    at::Generator shard_generator =
        at::make_generator<at::CPUGeneratorImpl>(mix64(key ^ (0x9E3779B97F4A7C15ULL * static_cast<uint64_t>(s + 1))));
    const StepLosses l = c.compute({batch.first_frames + begin, n}, beta, shard_generator, train);
    const double w = static_cast<double>(n) / static_cast<double>(B);
    int64_t k = 0;
    for (const auto& span : spans_) {
      for (int64_t j = 0; j < span.size; ++j) sum_[static_cast<size_t>(k++)] += w * static_cast<double>(span.data[j]);
    }
    sum_[P + 0] += w * l.loss;
    sum_[P + 1] += w * l.reconstruction;
    sum_[P + 2] += w * l.regularization;
    sum_[P + 3] += w * l.prior;
  }
  if (parallel_.comm) {
    sum_[P + 4] = interrupt_signal() != 0 ? 1.0 : 0.0;
    parallel_.comm->allreduce_sum(sum_.data(), P + kTerms);
  }
  if (train) {
    int64_t k = 0;
    for (const auto& span : spans_) {
      for (int64_t j = 0; j < span.size; ++j) span.data[j] = static_cast<float>(sum_[static_cast<size_t>(k++)]);
    }
    c.apply_gradients();
  }
  StepLosses out;
  out.loss = sum_[P + 0];
  out.reconstruction = sum_[P + 1];
  out.regularization = sum_[P + 2];
  out.prior = sum_[P + 3];
  out.stop = sum_[P + 4] > 0;
  return out;
}

}  // namespace dynae
