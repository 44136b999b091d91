#include "dynae/data/lagged_pairs.h"

#include <random>
#include <string>

#include "dynae/errors.h"

namespace dynae {

namespace {

/// Throws ConfigError for lag < 1 and DataError naming the first trajectory
/// that is not longer than the lag.
void check_lag(const std::vector<int64_t>& lengths, int64_t lag) {
  if (lag < 1) throw ConfigError("lag must be >= 1 frame, got " + std::to_string(lag));
  for (size_t k = 0; k < lengths.size(); ++k) {
    if (lengths[k] <= lag) {
      throw DataError("trajectory " + std::to_string(k) + " has " + std::to_string(lengths[k]) +
                      " frames, not more than the lag (" + std::to_string(lag) + "): it gives no pair");
    }
  }
}

}  // namespace

LaggedPairs make_lagged_pairs(const std::vector<int64_t>& lengths, int64_t lag) {
  check_lag(lengths, lag);
  LaggedPairs p;
  int64_t offset = 0;
  for (size_t k = 0; k < lengths.size(); ++k) {
    for (int64_t t = 0; t + lag < lengths[k]; ++t) {
      p.first.push_back(offset + t);
      p.second.push_back(offset + t + lag);
    }
    offset += lengths[k];
  }
  return p;
}

PairStartSplit split_pair_starts(const std::vector<int64_t>& lengths, int64_t lag, double test_fraction,
                                 uint64_t seed) {
  if (!(test_fraction >= 0.0 && test_fraction < 1.0)) {
    throw ConfigError("test_fraction must be in [0, 1), got " + std::to_string(test_fraction));
  }
  // A portable Fisher-Yates shuffle on mt19937_64 (std::shuffle's result
  // differs between standard libraries; ours must not).
  std::mt19937_64 gen(seed * 0x9E3779B97F4A7C15ULL + 0x5DEECE66DULL);
  check_lag(lengths, lag);
  PairStartSplit s;
  int64_t total = 0;
  for (int64_t len : lengths) total += len - lag;
  s.train.reserve(static_cast<size_t>(total));
  s.test.reserve(static_cast<size_t>(static_cast<double>(total) * test_fraction) + lengths.size());
  int64_t offset = 0;
  std::vector<int64_t> perm;
  for (size_t k = 0; k < lengths.size(); ++k) {
    // The pairs of one trajectory are (t, t + lag), t < n: shuffled by index.
    const int64_t n = lengths[k] - lag;
    perm.resize(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) perm[i] = i;
    for (int64_t i = n - 1; i > 0; --i) std::swap(perm[i], perm[gen() % static_cast<uint64_t>(i + 1)]);
    const int64_t n_train = n - static_cast<int64_t>(static_cast<double>(n) * test_fraction);
    for (int64_t i = 0; i < n; ++i) (i < n_train ? s.train : s.test).push_back(offset + perm[i]);
    offset += lengths[k];
  }
  return s;
}

PairSplit split_pairs(const std::vector<int64_t>& lengths, int64_t lag, double test_fraction, uint64_t seed) {
  PairStartSplit starts = split_pair_starts(lengths, lag, test_fraction, seed);
  PairSplit s;
  for (auto [src, dst] : {std::pair{&starts.train, &s.train}, std::pair{&starts.test, &s.test}}) {
    dst->second.reserve(src->size());
    for (int64_t f : *src) dst->second.push_back(f + lag);
    dst->first = std::move(*src);
  }
  return s;
}

}  // namespace dynae
