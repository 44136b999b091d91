#include "dynae/data/trajectory_set.h"

#include <cmath>

#include "dynae/data/npy.h"
#include "dynae/errors.h"
#include "dynae/data/frame_weights.h"

namespace dynae {
namespace {

std::vector<int64_t> frame_shape(const Array& a) {
  return std::vector<int64_t>(a.shape.begin() + (a.shape.empty() ? 0 : 1), a.shape.end());
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

void check_not_constant(const TrajectorySet& data) {
  if (data.empty()) return;
  const Array& first = data.trajectories()[0].input;
  const int64_t width = first.frame_size();
  for (const auto& t : data.trajectories()) {
    const Values& v = t.input.data;
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] != first.data[i % static_cast<size_t>(width)]) return;
    }
  }
  throw DataError("every input feature is constant over all " + std::to_string(data.total_frames()) +
                  " frames: there is nothing to learn");
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
      throw DataError("'" + name + "': frame shape " + shape_string(frame_shape(input)) + " differs from " +
                      shape_string(input_frame_shape()) + " of '" + trajs_.front().name + "'");
    }
    if (frame_shape(target) != target_frame_shape()) {
      throw DataError("'" + name + "' target: frame shape " + shape_string(frame_shape(target)) + " differs from " +
                      shape_string(target_frame_shape()) + " of the first trajectory's target");
    }
  }
  check_finite(input, name);
  if (!autoencoder) check_finite(own_target, name + " (its target)");
  trajs_.push_back(Trajectory{std::move(name), std::move(input), std::move(own_target)});
}

void TrajectorySet::set_weights(std::vector<double> weights) {
  if (static_cast<int64_t>(weights.size()) != total_frames()) {
    throw DataError(std::to_string(weights.size()) + " frame weights for " + std::to_string(total_frames()) + " frames");
  }
  double sum = 0;
  for (size_t t = 0; t < weights.size(); ++t) {
    if (!(weights[t] >= 0) || !std::isfinite(weights[t])) {
      throw DataError("the weight of frame " + std::to_string(t) + " is " + std::to_string(weights[t]) +
                      "; weights must be finite and >= 0");
    }
    sum += weights[t];
  }
  if (!(sum > 0)) throw DataError("every frame's weight is 0: nothing to train on");
  weights_ = std::move(weights);
}

std::vector<double> TrajectorySet::trajectory_weights(size_t i) const {
  const int64_t n = trajs_.at(i).input.frames();
  if (weights_.empty()) return std::vector<double>(static_cast<size_t>(n), 1.0);
  int64_t start = 0;
  for (size_t k = 0; k < i; ++k) start += trajs_[k].input.frames();
  return std::vector<double>(weights_.begin() + start, weights_.begin() + start + n);
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

namespace {

/// The trajectories one file holds: an npy array, or a text file's segments.
struct FileTrajectories {
  std::vector<Array> parts;
  std::vector<std::string> names;  ///< feature names (text files)
  std::vector<std::vector<double>> weights;  ///< per part, when a weights column was read
};

FileTrajectories read_trajectory_file(const std::string& path, const ColumnSelection& columns, NpyMapping mapping) {
  FileTrajectories f;
  if (detect_format(path) == FileFormat::Npy) {
    f.parts.push_back(read_npy(path, mapping));
    return f;
  }
  ColumnData d = read_columns(path, columns);
  f.parts = std::move(d.segments);
  f.names = std::move(d.names);
  f.weights = std::move(d.weights);
  return f;
}

/// The raw weights of input i's parts: from its own column or from its
/// weights file (as many values as the input has frames, split like it).
std::vector<std::vector<double>> weights_of_input(const std::string& input, const FileTrajectories& x,
                                                  const WeightSpec& spec, size_t i) {
  if (spec.files.empty()) {
    if (x.names.empty()) {
      throw DataError("'" + input + "' is a .npy array: it has no column '" + spec.column +
                      "' (--weights-column reads COLVAR / CSV inputs; give a weights file per input with --weights)");
    }
    return x.weights;
  }
  const std::string& file = spec.files[i];
  std::vector<double> all = read_weight_file(file, spec.column);
  int64_t frames = 0;
  for (const Array& p : x.parts) frames += p.frames();
  if (static_cast<int64_t>(all.size()) != frames) {
    throw DataError("'" + file + "': " + std::to_string(all.size()) + " weights but its input '" + input + "' has " +
                    std::to_string(frames) + " frames; give one weight per frame");
  }
  std::vector<std::vector<double>> out;
  size_t at = 0;
  for (const Array& p : x.parts) {
    out.emplace_back(all.begin() + static_cast<std::ptrdiff_t>(at), all.begin() + static_cast<std::ptrdiff_t>(at + p.frames()));
    at += static_cast<size_t>(p.frames());
  }
  return out;
}

}  // namespace

TrajectorySet load_trajectories(const std::vector<std::string>& input_paths,
                                const std::vector<std::string>& target_paths, const ColumnSelection& selection,
                                const WeightSpec& weight_spec, NpyMapping mapping) {
  if (input_paths.empty()) throw ConfigError("no input trajectory given (input_data / --input)");
  weight_spec.validate(input_paths.size());
  // Weights in the inputs' own column, or in files of their own.
  ColumnSelection columns = selection;
  columns.weights_column = weight_spec.files.empty() ? weight_spec.column : "";
  std::vector<std::vector<double>> raw_weights;
  std::vector<std::string> weight_sources;
  if (!target_paths.empty() && target_paths.size() != input_paths.size()) {
    throw ConfigError("target_data lists " + std::to_string(target_paths.size()) + " files but input_data lists " +
                      std::to_string(input_paths.size()) + "; give one target per input, or none");
  }
  TrajectorySet set;
  bool named = false;
  for (size_t i = 0; i < input_paths.size(); ++i) {
    FileTrajectories x = read_trajectory_file(input_paths[i], columns, mapping);
    if (!x.names.empty()) {
      if (named && x.names != set.feature_names()) {
        throw DataError("'" + input_paths[i] + "': its selected feature columns differ from those of '" + input_paths[0] +
                        "'; every input must give the same features");
      }
      if (i > 0 && !named) {
        throw DataError("'" + input_paths[i] + "' has named columns but '" + input_paths[0] + "' is a .npy array; give "
                        "the inputs in one kind of file");
      }
      set.set_feature_names(x.names);
      named = true;
    } else if (named) {
      throw DataError("'" + input_paths[i] + "' is a .npy array but '" + input_paths[0] + "' has named columns; give "
                      "the inputs in one kind of file");
    }
    if (weight_spec.given()) {
      std::vector<std::vector<double>> w = weights_of_input(input_paths[i], x, weight_spec, i);
      for (size_t k = 0; k < w.size(); ++k) {
        raw_weights.push_back(std::move(w[k]));
        const std::string& source = weight_spec.files.empty() ? input_paths[i] : weight_spec.files[i];
        weight_sources.push_back(w.size() == 1 ? source : source + " (block " + std::to_string(k) + ")");
      }
    }
    const bool own_target = !target_paths.empty() && target_paths[i] != input_paths[i];
    FileTrajectories y;
    if (own_target) {
      y = read_trajectory_file(target_paths[i], columns, mapping);
      if (y.parts.size() != x.parts.size()) {
        throw DataError("'" + target_paths[i] + "': " + std::to_string(y.parts.size()) + " segment(s) but its input '" +
                        input_paths[i] + "' has " + std::to_string(x.parts.size()));
      }
    }
    for (size_t k = 0; k < x.parts.size(); ++k) {
      const std::string name = x.parts.size() == 1 ? input_paths[i] : input_paths[i] + " (block " + std::to_string(k) + ")";
      if (!own_target) {
        set.add(name, std::move(x.parts[k]));
        continue;
      }
      if (y.parts[k].frames() != x.parts[k].frames()) {
        throw DataError("'" + target_paths[i] + "': target has " + std::to_string(y.parts[k].frames()) +
                        " frames but its input '" + name + "' has " + std::to_string(x.parts[k].frames()));
      }
      check_finite(y.parts[k], y.parts.size() == 1 ? target_paths[i]
                                                   : target_paths[i] + " (block " + std::to_string(k) + ")");
      set.add(name, std::move(x.parts[k]), std::move(y.parts[k]));
    }
  }
  if (weight_spec.given()) set.set_weights(normalised_weights(raw_weights, weight_sources, weight_spec.kind, weight_spec.kT));
  return set;
}

}  // namespace dynae
