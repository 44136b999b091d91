#pragma once
// Time-lagged pairs (x_t, x_{t+lag}) within trajectories, and their split.
#include <cstdint>
#include <cstddef>
#include <vector>

namespace dynae {

/// Pairs of global frame indices into the concatenation of all trajectories.
struct LaggedPairs {
  std::vector<int64_t> first;   ///< index of x_t
  std::vector<int64_t> second;  ///< index of x_{t+lag}
  size_t size() const { return first.size(); }
};

/// All pairs (t, t+lag) inside each trajectory, never across one. `lengths`
/// are the trajectories' frame counts in concatenation order. Throws
/// ConfigError for lag < 1 and DataError when a trajectory is not longer than
/// the lag (naming its index and length).
LaggedPairs make_lagged_pairs(const std::vector<int64_t>& lengths, int64_t lag);

struct PairSplit {
  LaggedPairs train;
  LaggedPairs test;
};

/// Which of the two sets of a split a pair belongs to.
enum class PairSet { train, test };

/// Every pair (t, t + lag) inside each trajectory, numbered in order
/// (trajectory by trajectory) and split at random into train and test: per
/// trajectory of n pairs, exactly floor(n * test_fraction) test pairs, every
/// such subset equally likely; the same seed gives the same split. It holds
/// one bit per pair (and a rank table of 1/64 of that), so it scales to long
/// trajectories; pairs are looked up, never listed.
class PairIndex {
 public:
  /// Throws ConfigError for lag < 1 or test_fraction outside [0, 1), and
  /// DataError naming the first trajectory not longer than the lag.
  PairIndex(const std::vector<int64_t>& lengths, int64_t lag, double test_fraction, uint64_t seed);

  int64_t size() const { return size_; }  ///< all pairs
  int64_t count(PairSet s) const { return s == PairSet::test ? test_count_ : size_ - test_count_; }
  int64_t lag() const { return lag_; }
  bool is_test(int64_t q) const { return (test_bits_[static_cast<size_t>(q >> 6)] >> (q & 63)) & 1; }
  bool in(PairSet s, int64_t q) const { return is_test(q) == (s == PairSet::test); }
  /// 64 pairs from 64 * w: bit j set when pair 64 w + j is in set s.
  uint64_t member_word(PairSet s, int64_t w) const {
    const uint64_t t = test_bits_[static_cast<size_t>(w)];
    if (s == PairSet::test) return t;
    const int64_t valid = size_ - 64 * w;
    return valid >= 64 ? ~t : ~t & ((uint64_t{1} << valid) - 1);
  }
  /// Global frame index of pair q's x_t (x_{t+lag} is lag frames later), in
  /// the concatenation of the trajectories.
  int64_t first_frame(int64_t q) const;
  /// The i-th pair of set s in pair order, i < count(s).
  int64_t nth(PairSet s, int64_t i) const;

 private:
  int64_t size_ = 0, test_count_ = 0, lag_ = 1;
  std::vector<int64_t> ends_;          ///< cumulative pair counts per trajectory
  std::vector<uint64_t> test_bits_;    ///< bit q: pair q is a test pair
  std::vector<int64_t> test_before_;   ///< test pairs before word 8k (rank table)
};

/// The same split as PairIndex, listed: each set's pairs in pair order.
/// `test_fraction` in [0, 1); the same seed gives the same split.
PairSplit split_pairs(const std::vector<int64_t>& lengths, int64_t lag, double test_fraction,
                      uint64_t seed);

}  // namespace dynae
