#include "dynae/analysis/slow_timescale.h"

#include <algorithm>
#include <cmath>

#include "dynae/analysis/discretise.h"
#include "dynae/analysis/msm.h"
#include "dynae/errors.h"

namespace dynae {

SlowTimescale slowest_timescale(const std::vector<Array>& latents, const SlowTimescaleOptions& options) {
  if (options.lag < 1) throw ConfigError("the quality figure's lag must be >= 1 frame, got " + std::to_string(options.lag));
  if (options.states < 2) throw ConfigError("the quality figure needs >= 2 states, got " + std::to_string(options.states));
  int64_t total = 0, d = 0;
  bool long_enough = false;
  for (const Array& z : latents) {
    if (z.shape.size() != 2) throw DataError("the quality figure takes latents of shape (T, d)");
    if (d && z.frame_size() != d) throw DataError("the latents of the quality figure differ in dimension");
    d = z.frame_size();
    total += z.frames();
    long_enough = long_enough || z.frames() > options.lag;
  }
  if (!long_enough) {
    throw DataError("no trajectory is longer than the quality figure's lag (" + std::to_string(options.lag) +
                    " frames): use a smaller score_lag");
  }
  // Every frame, each axis shifted and scaled to mean 0, sd 1 (k-means sees
  // no axis as more important for its units).
  Array all = Array::zeros({total, d});
  int64_t row = 0;
  for (const Array& z : latents) {
    for (int64_t i = 0; i < z.size(); ++i) {
      if (!std::isfinite(z.data[i])) throw DataError("the latent holds a non-finite value (NaN or Inf)");
    }
    std::copy(z.data.begin(), z.data.end(), all.data.begin() + row * d);
    row += z.frames();
  }
  for (int64_t j = 0; j < d; ++j) {
    double mean = 0, sq = 0;
    for (int64_t t = 0; t < total; ++t) mean += all.data[t * d + j];
    mean /= static_cast<double>(total);
    for (int64_t t = 0; t < total; ++t) sq += (all.data[t * d + j] - mean) * (all.data[t * d + j] - mean);
    const double sd = std::sqrt(sq / static_cast<double>(total));
    for (int64_t t = 0; t < total; ++t) all.data[t * d + j] = (all.data[t * d + j] - mean) / (sd > 0 ? sd : 1.0);
  }
  SlowTimescale out;
  out.lag = options.lag;
  out.states = options.states;
  int64_t distinct_bound = std::min(options.states, total);
  // Centres from at most kCentreFrames evenly spaced frames (the states
  // need not be exact, only fine), every frame assigned to its nearest.
  constexpr int64_t kCentreFrames = 20000;
  Array sub = all;
  if (total > kCentreFrames) {
    const int64_t stride = (total + kCentreFrames - 1) / kCentreFrames, n = (total + stride - 1) / stride;
    sub = Array::zeros({n, d});
    for (int64_t t = 0; t < n; ++t) std::copy_n(all.data.begin() + t * stride * d, d, sub.data.begin() + t * d);
  }
  Array centers;
  try {
    centers = kmeans_centers(sub, distinct_bound, options.seed);
  } catch (const DataError&) {  // fewer distinct latents than states: a collapsed latent has no slow process
    return out;
  }
  const std::vector<int64_t> labels = assign_nearest(all, centers);
  DiscreteTrajectories dtrajs;
  row = 0;
  for (const Array& z : latents) {
    dtrajs.emplace_back(labels.begin() + row, labels.begin() + row + z.frames());
    row += z.frames();
  }
  ItsOptions its;
  its.processes = 2;
  const ItsEstimate e = implied_timescales(dtrajs, distinct_bound, options.lag, its);
  if (!e.timescales.empty() && std::isfinite(e.timescales[0])) out.timescale = e.timescales[0];
  if (e.timescales.size() > 1 && std::isfinite(e.timescales[1])) out.second = e.timescales[1];
  return out;
}

int64_t auto_score_lag(int64_t training_lag, const std::vector<int64_t>& lengths) {
  int64_t longest = 0;
  for (int64_t n : lengths) longest = std::max(longest, n);
  return std::max<int64_t>(1, std::min(10 * std::max<int64_t>(1, training_lag), longest / 10));
}

}  // namespace dynae
