#include "training/weighted_draws.h"

#include <algorithm>
#include <numeric>

#include "dynae/errors.h"
#include "util/random_permutation.h"

namespace dynae {

WeightedDraws::WeightedDraws(std::vector<int64_t> ids, const std::vector<double>& weights, std::vector<int64_t> starts)
    : ids_(std::move(ids)), running_(weights), starts_(std::move(starts)) {
  if (weights.size() != ids_.size() || starts_.empty() || starts_.front() != 0 ||
      starts_.back() != static_cast<int64_t>(ids_.size()) || !std::is_sorted(starts_.begin(), starts_.end())) {
    throw Error("internal error: weighted draws with inconsistent ids, weights and groups");
  }
  for (int64_t g = 0; g < groups(); ++g) {
    std::partial_sum(running_.begin() + starts_[g], running_.begin() + starts_[g + 1], running_.begin() + starts_[g]);
  }
}

double WeightedDraws::total(int64_t g) const { return size(g) > 0 ? running_[starts_[g + 1] - 1] : 0.0; }

void WeightedDraws::draw(int64_t g, int64_t n, uint64_t seed, int64_t* out) const {
  const double sum = total(g);
  if (!(sum > 0)) throw Error("internal error: weighted draw from a group of total weight 0");
  const auto first = running_.begin() + starts_[g], last = running_.begin() + starts_[g + 1];
  SplitMix64 rng(seed);
  for (int64_t j = 0; j < n; ++j) {
    const double u = sum * (static_cast<double>(rng.next() >> 11) * 0x1.0p-53);  // in [0, sum)
    // The first item whose running sum exceeds u; when rounding makes u
    // reach the sum, the first item that reaches it (its weight is > 0).
    auto it = std::upper_bound(first, last, u);
    if (it == last) it = std::lower_bound(first, last, sum);
    out[j] = ids_[static_cast<size_t>(it - running_.begin())];
  }
}

}  // namespace dynae
