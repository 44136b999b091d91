#include "training/data_parallel_step.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <mutex>

#include "dynae/runtime.h"
#include "util/random_permutation.h"

namespace dynae {
namespace {

constexpr int64_t kTerms = 5;  // loss, reconstruction, regularization, prior, stop flag

void add_weighted(double* terms, double w, const StepLosses& l) {
  terms[0] += w * l.loss;
  terms[1] += w * l.reconstruction;
  terms[2] += w * l.regularization;
  terms[3] += w * l.prior;
}

StepLosses losses_of(const double* terms) {
  StepLosses out;
  out.loss = terms[0];
  out.reconstruction = terms[1];
  out.regularization = terms[2];
  out.prior = terms[3];
  out.stop = terms[4] > 0;
  return out;
}

}  // namespace

DataParallelSteps::Shard DataParallelSteps::shard(int64_t s, int64_t B) const {
  const int64_t N = parallel_.shards, begin = s * B / N, n = (s + 1) * B / N - begin;
  return {begin, n, static_cast<double>(n) / static_cast<double>(B)};
}

at::Generator DataParallelSteps::shard_generator(uint64_t key, int64_t s) {
  return at::make_generator<at::CPUGeneratorImpl>(mix64(key ^ (0x9E3779B97F4A7C15ULL * static_cast<uint64_t>(s + 1))));
}

uint64_t DataParallelSteps::batch_key() {
  std::lock_guard<std::mutex> lock(generator_.mutex());
  return generator_.get<at::CPUGeneratorImpl>()->random64();
}

int64_t DataParallelSteps::first_shard() const { return parallel_.comm ? parallel_.comm->rank() : 0; }
int64_t DataParallelSteps::last_shard() const { return parallel_.comm ? parallel_.comm->rank() + 1 : parallel_.shards; }

StepLosses DataParallelSteps::train(const PairRefs& batch, double beta, ShardedComputation& c) {
  if (!parallel_.active()) {
    const StepLosses losses = c.compute(batch, beta, generator_, true);
    c.apply_gradients();
    return losses;
  }
  const int64_t B = batch.count;  // B >= shards (check_data_parallel)
  // One draw of the trainer's generator per step, the same on every rank;
  // each shard draws its noise and directions from its own stream of it.
  const uint64_t key = batch_key();
  spans_.clear();
  c.gradient_spans(spans_);
  int64_t P = 0;
  for (const auto& s : spans_) P += s.size;
  // Single precision, like the gradients themselves: the shards' weighted
  // gradients and loss terms, summed in shard order (across ranks: one
  // allreduce of P + 5 floats).
  sum_.assign(static_cast<size_t>(P + kTerms), 0.0f);
  for (int64_t s = first_shard(); s < last_shard(); ++s) {
    const Shard piece = shard(s, B);
    at::Generator generator = shard_generator(key, s);
    const StepLosses l = c.compute({batch.first_frames + piece.begin, piece.size}, beta, generator, true);
    const float w = static_cast<float>(piece.weight);
    float* out = sum_.data();
    for (const auto& span : spans_) {
      for (int64_t j = 0; j < span.size; ++j) out[j] += w * span.data[j];
      out += span.size;
    }
    const double terms[4] = {l.loss, l.reconstruction, l.regularization, l.prior};
    for (int64_t t = 0; t < 4; ++t) out[t] += w * static_cast<float>(terms[t]);
  }
  float* terms = sum_.data() + P;
  if (parallel_.comm) {
    terms[4] = interrupt_signal() != 0 ? 1.0f : 0.0f;
    parallel_.comm->allreduce_sum(sum_.data(), P + kTerms);
  }
  const float* in = sum_.data();
  for (const auto& span : spans_) {
    std::copy(in, in + span.size, span.data);
    in += span.size;
  }
  c.apply_gradients();
  const double sums[kTerms] = {terms[0], terms[1], terms[2], terms[3], terms[4]};
  return losses_of(sums);
}

StepLosses DataParallelSteps::evaluate(int64_t count, const std::function<PairRefs(int64_t)>& batch, double beta,
                                       ShardedComputation& c) {
  if (!parallel_.active()) {
    double terms[kTerms] = {0, 0, 0, 0, 0};
    for (int64_t b = 0; b < count; ++b) add_weighted(terms, 1.0, c.compute(batch(b), beta, generator_, false));
    return losses_of(terms);
  }
  // Each shard's weighted terms summed over the batches, then the shards'
  // sums in shard order: across ranks, one allreduce for the evaluation.
  const int64_t first = first_shard(), last = last_shard();
  terms_.assign(static_cast<size_t>((last - first) * kTerms), 0.0);
  for (int64_t b = 0; b < count; ++b) {
    const PairRefs refs = batch(b);
    const uint64_t key = batch_key();
    for (int64_t s = first; s < last; ++s) {
      const Shard piece = shard(s, refs.count);
      at::Generator generator = shard_generator(key, s);
      const StepLosses l = c.compute({refs.first_frames + piece.begin, piece.size}, beta, generator, false);
      add_weighted(terms_.data() + (s - first) * kTerms, piece.weight, l);
    }
  }
  double total[kTerms] = {0, 0, 0, 0, 0};
  if (parallel_.comm) {
    std::copy(terms_.begin(), terms_.end(), total);
    total[4] = interrupt_signal() != 0 ? 1.0 : 0.0;
    parallel_.comm->allreduce_sum(total, kTerms);
  } else {
    for (int64_t s = first; s < last; ++s) {
      for (int64_t t = 0; t < kTerms; ++t) total[t] += terms_[static_cast<size_t>((s - first) * kTerms + t)];
    }
  }
  return losses_of(total);
}

}  // namespace dynae
