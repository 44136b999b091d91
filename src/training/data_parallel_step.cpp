#include "training/data_parallel_step.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <mutex>
#include <optional>

#include "cpu/phase_clock.h"
#include "cpu/thread_team.h"
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

DataParallelSteps::DataParallelSteps(const DataParallel& parallel, at::Generator& generator, int workers, int threads)
    : parallel_(parallel),
      generator_(generator),
      workers_(std::max(1, workers)),
      team_(std::make_unique<ThreadTeam>(std::max(1, std::min(threads, workers_)))) {}

DataParallelSteps::~DataParallelSteps() = default;

template <class F>
void DataParallelSteps::for_workers(F&& f) {
  const int T = team_->size();
  team_->run([&](int m) {
    for (int t = m; t < workers_; t += T) f(t);
  });
}

DataParallelSteps::Shard DataParallelSteps::shard(int64_t s, int64_t t, int64_t B) const {
  const int64_t N = parallel_.shards, begin = s * B / N, n = (s + 1) * B / N - begin;
  const int64_t W = workers(), piece = begin + t * n / W, size = begin + (t + 1) * n / W - piece;
  return {piece, size, static_cast<double>(size) / static_cast<double>(B)};
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
  if (!split()) {
    const StepLosses losses = c.compute(0, batch, beta, generator_, true);
    c.apply_gradients();
    return losses;
  }
  const int64_t B = batch.count;  // B >= shards x workers (check_data_parallel, make_*_step)
  const int W = workers();
  // One draw of the trainer's generator per step, the same on every rank;
  // piece t of shard s draws its noise and directions from stream s W + t.
  const uint64_t key = batch_key();
  spans_.resize(static_cast<size_t>(W));
  for (int w = 0; w < W; ++w) {
    spans_[static_cast<size_t>(w)].clear();
    c.gradient_spans(w, spans_[static_cast<size_t>(w)]);
  }
  int64_t P = 0;
  for (const auto& s : spans_[0]) P += s.size;
  // Single precision, like the gradients themselves: each shard's pieces'
  // weighted gradients and loss terms summed in piece order, then the
  // shards' sums in shard order (across ranks: one allreduce of P + 5 floats).
  // (One shard in this process, a rank's or the threads' only: its sum is the
  // total, 0 + x being x, and is made in place.)
  sum_.assign(static_cast<size_t>(P + kTerms), 0.0f);
  piece_losses_.resize(static_cast<size_t>(W));
  const bool several = last_shard() - first_shard() > 1;
  for (int64_t s = first_shard(); s < last_shard(); ++s) {
    for_workers([&](int t) {
      const Shard piece = shard(s, t, B);
      at::Generator generator = shard_generator(key, s * W + t);
      piece_losses_[static_cast<size_t>(t)] =
          c.compute(t, {batch.first_frames + piece.begin, piece.size}, beta, generator, true);
    });
    const PhaseScope summing(Phase::gradient_sum);
    if (several) local_.assign(static_cast<size_t>(P + kTerms), 0.0f);
    float* const shard_sum = several ? local_.data() : sum_.data();
    for (int t = 0; t < W; ++t) {
      const float w = static_cast<float>(shard(s, t, B).weight);
      float* out = shard_sum;
      for (const auto& span : spans_[static_cast<size_t>(t)]) {
        for (int64_t j = 0; j < span.size; ++j) out[j] += w * span.data[j];
        out += span.size;
      }
      const StepLosses& l = piece_losses_[static_cast<size_t>(t)];
      const double terms[4] = {l.loss, l.reconstruction, l.regularization, l.prior};
      for (int64_t k = 0; k < 4; ++k) out[k] += w * static_cast<float>(terms[k]);
    }
    if (several) {
      for (int64_t j = 0; j < P + kTerms; ++j) sum_[static_cast<size_t>(j)] += local_[static_cast<size_t>(j)];
    }
  }
  float* terms = sum_.data() + P;
  if (parallel_.comm) {
    terms[4] = interrupt_signal() != 0 ? 1.0f : 0.0f;
    const PhaseScope exchanging(Phase::communication);
    parallel_.comm->allreduce_sum(sum_.data(), P + kTerms);
  }
  std::optional<PhaseScope> summing(std::in_place, Phase::gradient_sum);
  const float* in = sum_.data();
  for (const auto& span : spans_[0]) {
    std::copy(in, in + span.size, span.data);
    in += span.size;
  }
  summing.reset();
  c.apply_gradients();
  const double sums[kTerms] = {terms[0], terms[1], terms[2], terms[3], terms[4]};
  return losses_of(sums);
}

StepLosses DataParallelSteps::evaluate(int64_t count, const std::function<PairRefs(int64_t)>& batch, double beta,
                                       ShardedComputation& c) {
  if (!split()) {
    double terms[kTerms] = {0, 0, 0, 0, 0};
    for (int64_t b = 0; b < count; ++b) add_weighted(terms, 1.0, c.compute(0, batch(b), beta, generator_, false));
    return losses_of(terms);
  }
  // Each piece's weighted terms summed over the batches, then the pieces'
  // sums in piece order, then the shards' in shard order: across ranks, one
  // allreduce for the evaluation.
  const int64_t first = first_shard(), last = last_shard();
  const int W = workers();
  terms_.assign(static_cast<size_t>((last - first) * W * kTerms), 0.0);
  piece_losses_.resize(static_cast<size_t>(W));
  for (int64_t b = 0; b < count; ++b) {
    const PairRefs refs = batch(b);
    const uint64_t key = batch_key();
    for (int64_t s = first; s < last; ++s) {
      for_workers([&](int t) {
        const Shard piece = shard(s, t, refs.count);
        at::Generator generator = shard_generator(key, s * W + t);
        piece_losses_[static_cast<size_t>(t)] =
            c.compute(t, {refs.first_frames + piece.begin, piece.size}, beta, generator, false);
      });
      for (int t = 0; t < W; ++t) {
        add_weighted(terms_.data() + ((s - first) * W + t) * kTerms, shard(s, t, refs.count).weight,
                     piece_losses_[static_cast<size_t>(t)]);
      }
    }
  }
  double total[kTerms] = {0, 0, 0, 0, 0};
  for (int64_t s = first; s < last; ++s) {
    double local[kTerms] = {0, 0, 0, 0, 0};
    for (int t = 0; t < W; ++t) {
      for (int64_t k = 0; k < kTerms; ++k) local[k] += terms_[static_cast<size_t>(((s - first) * W + t) * kTerms + k)];
    }
    for (int64_t k = 0; k < kTerms; ++k) total[k] += local[k];
  }
  if (parallel_.comm) {
    total[4] = interrupt_signal() != 0 ? 1.0 : 0.0;
    const PhaseScope exchanging(Phase::communication);
    parallel_.comm->allreduce_sum(total, kTerms);
  }
  return losses_of(total);
}

}  // namespace dynae
