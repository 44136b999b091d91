#include "dynae/data/trajectory_set.h"

#include <cmath>

#include "dynae/data/npy.h"
#include "dynae/errors.h"

namespace dynae {
namespace {

std::vector<int64_t> frame_shape(const Array& a) {
  return std::vector<int64_t>(a.shape.begin() + (a.shape.empty() ? 0 : 1), a.shape.end());
}

std::string shape_text(const std::vector<int64_t>& s) {
  Array a;
  a.shape = s;
  return a.shape_string();
}

}  // namespace

void check_finite(const Array& a, const std::string& what) {
  const int64_t fs = std::max<int64_t>(a.frame_size(), 1);
  for (int64_t i = 0; i < a.size(); ++i) {
    if (!std::isfinite(a.data[i])) {
      throw DataError("'" + what + "': " + (std::isnan(a.data[i]) ? "NaN" : "Inf") + " value at frame " +
                      std::to_string(i / fs) + " (feature " + std::to_string(i % fs) +
                      "); every value must be finite");
    }
  }
}

void TrajectorySet::add(std::string name, Array input) { add(std::move(name), std::move(input), Array()); }

void TrajectorySet::add(std::string name, Array input, Array own_target) {
  const bool autoencoder = own_target.shape.empty();
  const Array& target = autoencoder ? input : own_target;
  if (input.rank() < 2) {
    throw DataError("'" + name + "': expected frames first with at least 2 dimensions (T, features), got shape " +
                    input.shape_string());
  }
  if (target.rank() < 2) {
    throw DataError("'" + name + "' target: expected at least 2 dimensions (T, features), got shape " +
                    target.shape_string());
  }
  if (input.frames() != target.frames()) {
    throw DataError("'" + name + "': input has " + std::to_string(input.frames()) + " frames but its target has " +
                    std::to_string(target.frames()) + "; they must match frame for frame");
  }
  if (input.frame_size() == 0 || input.frames() == 0) {
    throw DataError("'" + name + "': empty trajectory, shape " + input.shape_string());
  }
  if (!trajs_.empty()) {
    if (frame_shape(input) != input_frame_shape()) {
      throw DataError("'" + name + "': frame shape " + shape_text(frame_shape(input)) + " differs from " +
                      shape_text(input_frame_shape()) + " of '" + trajs_.front().name + "'");
    }
    if (frame_shape(target) != target_frame_shape()) {
      throw DataError("'" + name + "' target: frame shape " + shape_text(frame_shape(target)) + " differs from " +
                      shape_text(target_frame_shape()) + " of the first trajectory's target");
    }
  }
  check_finite(input, name);
  if (!autoencoder) check_finite(own_target, name + "' target '");
  trajs_.push_back(Trajectory{std::move(name), std::move(input), std::move(own_target)});
}

int64_t TrajectorySet::total_frames() const {
  int64_t n = 0;
  for (const auto& t : trajs_) n += t.input.frames();
  return n;
}

std::vector<int64_t> TrajectorySet::lengths() const {
  std::vector<int64_t> l;
  for (const auto& t : trajs_) l.push_back(t.input.frames());
  return l;
}

std::vector<int64_t> TrajectorySet::input_frame_shape() const {
  return trajs_.empty() ? std::vector<int64_t>{} : frame_shape(trajs_.front().input);
}

std::vector<int64_t> TrajectorySet::target_frame_shape() const {
  return trajs_.empty() ? std::vector<int64_t>{} : frame_shape(trajs_.front().target());
}

TrajectorySet load_trajectories(const std::vector<std::string>& input_paths,
                                const std::vector<std::string>& target_paths) {
  if (input_paths.empty()) throw ConfigError("no input trajectory given (input_data / --input)");
  if (!target_paths.empty() && target_paths.size() != input_paths.size()) {
    throw ConfigError("target_data lists " + std::to_string(target_paths.size()) + " files but input_data lists " +
                      std::to_string(input_paths.size()) + "; give one target per input, or none");
  }
  TrajectorySet set;
  for (size_t i = 0; i < input_paths.size(); ++i) {
    Array x = read_npy(input_paths[i]);
    if (target_paths.empty() || target_paths[i] == input_paths[i]) {
      set.add(input_paths[i], std::move(x));
    } else {
      Array y = read_npy(target_paths[i]);
      if (y.frames() != x.frames()) {
        throw DataError("'" + target_paths[i] + "': target has " + std::to_string(y.frames()) +
                        " frames but its input '" + input_paths[i] + "' has " + std::to_string(x.frames()));
      }
      set.add(input_paths[i], std::move(x), std::move(y));
    }
  }
  return set;
}

}  // namespace dynae
