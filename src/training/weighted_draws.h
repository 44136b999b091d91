#pragma once
// Draws in proportion to weight: how per-frame weights (data/frame_weights.h)
// enter training. Drawing the pairs of a minibatch with probability
// proportional to their first frame's weight makes every minibatch loss an
// unbiased estimate of the weighted loss sum_i w_i l_i / sum_i w_i, for any
// loss (the sliced-Wasserstein term included) and either step
// implementation. Torch-free.
#include <cstdint>
#include <vector>

namespace dynae {

/// Items in groups (a set's pairs, or each cluster's), drawn with replacement
/// with probability proportional to weight within a group: a binary search
/// of the group's running sums (std::upper_bound) per draw. An item of
/// weight 0 is never drawn. 16 bytes per item.
class WeightedDraws {
 public:
  WeightedDraws() = default;
  /// Item ids[i] has weight weights[i] (>= 0); group g holds items
  /// [starts[g], starts[g + 1]) (starts begins at 0 and ends at ids.size()).
  WeightedDraws(std::vector<int64_t> ids, const std::vector<double>& weights, std::vector<int64_t> starts);

  int64_t groups() const { return static_cast<int64_t>(starts_.size()) - 1; }
  int64_t size(int64_t g) const { return starts_[g + 1] - starts_[g]; }
  /// Sum of group g's weights.
  double total(int64_t g) const;
  /// n ids of group g (total(g) > 0), drawn from the random stream `seed`:
  /// the same seed gives the same draws.
  void draw(int64_t g, int64_t n, uint64_t seed, int64_t* out) const;

 private:
  std::vector<int64_t> ids_;
  std::vector<double> running_;  ///< within each group: the sum of weights up to and including the item
  std::vector<int64_t> starts_{0};
};

}  // namespace dynae
