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
  Array all = Array::zeros({total, d});
  std::vector<int64_t> lengths;
  int64_t row = 0;
  for (const Array& z : latents) {
    for (int64_t i = 0; i < z.size(); ++i) {
      if (!std::isfinite(z.data[i])) throw DataError("the latent holds a non-finite value (NaN or Inf)");
    }
    std::copy(z.data.begin(), z.data.end(), all.data.begin() + row * d);
    row += z.frames();
    lengths.push_back(z.frames());
  }
  SlowTimescale out;
  out.lag = options.lag;
  out.states = options.states;
  // Centres from at most 20 000 evenly spaced frames (the states need only
  // be fine, not exact).
  DiscreteTrajectories dtrajs;
  try {
    dtrajs = standardised_kmeans_states(all, lengths, options.states, options.seed, 20000);
  } catch (const DataError&) {  // fewer distinct latents than states: a collapsed latent has no slow process
    return out;
  }
  ItsOptions its;
  its.processes = 2;
  const ItsEstimate e = implied_timescales(dtrajs, std::min(options.states, total), options.lag, its);
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
