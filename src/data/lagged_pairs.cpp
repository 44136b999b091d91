#include "dynae/data/lagged_pairs.h"

#include <algorithm>
#include <random>
#include <string>

#include "dynae/errors.h"
#include "cpu/bits.h"

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

PairIndex::PairIndex(const std::vector<int64_t>& lengths, int64_t lag, double test_fraction, uint64_t seed)
    : lag_(lag) {
  if (!(test_fraction >= 0.0 && test_fraction < 1.0)) {
    throw ConfigError("test_fraction must be in [0, 1), got " + std::to_string(test_fraction));
  }
  check_lag(lengths, lag);
  for (int64_t len : lengths) {
    size_ += len - lag;
    ends_.push_back(size_);
  }
  test_bits_.assign(static_cast<size_t>((size_ + 63) / 64), 0);
  // Sequential selection sampling (Knuth's algorithm S) on mt19937_64: each
  // pair is a test pair with probability (still needed) / (still to visit),
  // which gives exactly m of n, every m-subset equally likely, in one pass
  // and no memory (portable: no std:: distribution is involved).
  std::mt19937_64 gen(seed * 0x9E3779B97F4A7C15ULL + 0x5DEECE66DULL);
  int64_t begin = 0;
  for (int64_t end : ends_) {
    const int64_t n = end - begin;
    int64_t needed = static_cast<int64_t>(static_cast<double>(n) * test_fraction);
    test_count_ += needed;
    for (int64_t i = 0; i < n && needed > 0; ++i) {
      const double u = static_cast<double>(gen() >> 11) * 0x1.0p-53;
      if (u * static_cast<double>(n - i) < static_cast<double>(needed)) {
        const int64_t q = begin + i;
        test_bits_[static_cast<size_t>(q >> 6)] |= uint64_t{1} << (q & 63);
        --needed;
      }
    }
    begin = end;
  }
  // Test pairs before every 8th word (512 pairs), and after the last.
  int64_t before = 0;
  for (size_t w = 0; w < test_bits_.size(); ++w) {
    if (w % 8 == 0) test_before_.push_back(before);
    before += popcount64(test_bits_[w]);
  }
  test_before_.push_back(before);
}

int64_t PairIndex::first_frame(int64_t q) const {
  if (ends_.size() == 1) return q;
  // Trajectory k's pairs start at frame t of its own frames: its offset in
  // the concatenation is its pair offset plus lag frames per trajectory before it.
  const int64_t k = std::upper_bound(ends_.begin(), ends_.end(), q) - ends_.begin();
  return q + k * lag_;
}

int64_t PairIndex::nth(PairSet s, int64_t i) const {
  const int64_t blocks = static_cast<int64_t>(test_before_.size()) - 1;
  auto before = [&](int64_t b) {  // members of s in blocks [0, b)
    const int64_t t = test_before_[static_cast<size_t>(b)];
    return s == PairSet::test ? t : std::min<int64_t>(512 * b, size_) - t;
  };
  int64_t lo = 0, hi = blocks;  // the block b with before(b) <= i < before(b + 1)
  while (hi - lo > 1) {
    const int64_t mid = (lo + hi) / 2;
    if (before(mid) <= i) lo = mid;
    else hi = mid;
  }
  int64_t rest = i - before(lo);
  for (int64_t w = 8 * lo;; ++w) {
    const uint64_t m = member_word(s, w);
    const int c = popcount64(m);
    if (rest < c) return 64 * w + select_bit(m, static_cast<int>(rest));
    rest -= c;
  }
}

PairSplit split_pairs(const std::vector<int64_t>& lengths, int64_t lag, double test_fraction, uint64_t seed) {
  const PairIndex index(lengths, lag, test_fraction, seed);
  PairSplit s;
  for (int64_t q = 0; q < index.size(); ++q) {
    LaggedPairs& p = index.is_test(q) ? s.test : s.train;
    p.first.push_back(index.first_frame(q));
    p.second.push_back(index.first_frame(q) + lag);
  }
  return s;
}

}  // namespace dynae
