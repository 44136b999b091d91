#include "dynae/data/feature_scaling.h"

#include <algorithm>
#include <cmath>

#include "dynae/data/trajectory_set.h"
#include "dynae/errors.h"

namespace dynae {

FeatureScaling FeatureScaling::fit(const TrajectorySet& data, bool targets) {
  FeatureScaling s;
  if (data.empty()) return s;
  const int64_t w = (targets ? data.trajectories()[0].target() : data.trajectories()[0].input).frame_size();
  std::vector<double> sum(static_cast<size_t>(w), 0.0), sq(static_cast<size_t>(w), 0.0);
  int64_t n = 0;
  // Two passes (mean, then squared deviations): no cancellation for features
  // far from zero.
  for (const Trajectory& t : data.trajectories()) {
    const Array& a = targets ? t.target() : t.input;
    for (int64_t f = 0; f < a.frames(); ++f) {
      for (int64_t k = 0; k < w; ++k) sum[k] += a.data[f * w + k];
    }
    n += a.frames();
  }
  s.shift.resize(static_cast<size_t>(w));
  for (int64_t k = 0; k < w; ++k) s.shift[k] = sum[k] / static_cast<double>(std::max<int64_t>(n, 1));
  for (const Trajectory& t : data.trajectories()) {
    const Array& a = targets ? t.target() : t.input;
    for (int64_t f = 0; f < a.frames(); ++f) {
      for (int64_t k = 0; k < w; ++k) sq[k] += (a.data[f * w + k] - s.shift[k]) * (a.data[f * w + k] - s.shift[k]);
    }
  }
  s.scale.resize(static_cast<size_t>(w));
  double largest = 0;
  for (int64_t k = 0; k < w; ++k) {
    s.scale[k] = std::sqrt(sq[k] / static_cast<double>(std::max<int64_t>(n, 1)));
    largest = std::max(largest, s.scale[k]);
  }
  for (double& v : s.scale) {
    if (!(v > 1e-12 * largest) || !std::isfinite(v)) v = 1.0;
  }
  return s;
}

Array FeatureScaling::apply(Array x) const {
  const int64_t w = size();
  for (int64_t i = 0; w > 0 && i < x.size(); ++i) x.data[i] = (x.data[i] - shift[i % w]) / scale[i % w];
  return x;
}

Array FeatureScaling::invert(Array x) const {
  const int64_t w = size();
  for (int64_t i = 0; w > 0 && i < x.size(); ++i) x.data[i] = x.data[i] * scale[i % w] + shift[i % w];
  return x;
}

void FeatureScaling::check(int64_t values, const char* what) const {
  if (empty()) return;
  if (size() != values || static_cast<int64_t>(scale.size()) != values) {
    throw Error(std::string(what) + ": " + std::to_string(size()) + " shifts for frames of " +
                std::to_string(values) + " values");
  }
  for (int64_t k = 0; k < values; ++k) {
    if (!std::isfinite(shift[k]) || !std::isfinite(scale[k]) || !(scale[k] > 0)) {
      throw Error(std::string(what) + ": feature " + std::to_string(k) + " has a non-finite shift or a scale <= 0");
    }
  }
}

TrajectorySet scaled_trajectories(const TrajectorySet& data, const FeatureScaling& inputs,
                                  const FeatureScaling& targets) {
  TrajectorySet out;
  for (const Trajectory& t : data.trajectories()) {
    const bool own_target = !t.own_target.shape.empty();
    out.add(t.name, inputs.apply(t.input), own_target ? targets.apply(t.own_target) : Array());
  }
  out.set_feature_names(data.feature_names());
  if (data.weighted()) out.set_weights(data.weights());
  return out;
}

}  // namespace dynae
