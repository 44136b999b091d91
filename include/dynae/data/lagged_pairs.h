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

/// Random split of each trajectory's pairs into train and test (as the
/// reference does: per trajectory, then concatenated). `test_fraction` in
/// [0, 1); the same seed gives the same split.
PairSplit split_pairs(const std::vector<int64_t>& lengths, int64_t lag, double test_fraction,
                      uint64_t seed);

/// The same split as split_pairs, holding only each pair's first frame (the
/// second is first + lag): half the memory, for long trajectories.
struct PairStartSplit {
  std::vector<int64_t> train;
  std::vector<int64_t> test;
};
PairStartSplit split_pair_starts(const std::vector<int64_t>& lengths, int64_t lag, double test_fraction,
                                 uint64_t seed);

}  // namespace dynae
