#pragma once
// One or more trajectories (inputs and optional targets) that a model trains on.
#include <string>
#include <vector>

#include "dynae/array.h"
#include "dynae/data/table.h"

namespace dynae {

struct Trajectory {
  std::string name;  ///< where it came from (a path), for messages
  Array input;       ///< (T, ...) frames the encoder sees
  /// (T, ...) frames the decoder reconstructs when they differ from the
  /// inputs; empty for an autoencoder, whose frames are then held once.
  Array own_target;
  /// The frames the decoder reconstructs (the inputs by default).
  const Array& target() const { return own_target.shape.empty() ? input : own_target; }
};

class TrajectorySet {
 public:
  TrajectorySet() = default;

  /// Adds a trajectory whose target is its input (an autoencoder).
  void add(std::string name, Array input);
  /// Adds a trajectory with its own target (an empty Array: the inputs).
  /// Throws DataError unless both have the same number of frames, every
  /// trajectory has the same frame shapes, and every value is finite (the
  /// message names the frame).
  void add(std::string name, Array input, Array target);

  const std::vector<Trajectory>& trajectories() const { return trajs_; }
  size_t size() const { return trajs_.size(); }
  bool empty() const { return trajs_.empty(); }
  int64_t total_frames() const;
  std::vector<int64_t> lengths() const;
  /// Shape of one input frame, e.g. {2} or {1, 64, 64}.
  std::vector<int64_t> input_frame_shape() const;
  std::vector<int64_t> target_frame_shape() const;
  /// Names of the input features (columns of COLVAR / CSV inputs); empty for .npy inputs.
  const std::vector<std::string>& feature_names() const { return feature_names_; }
  void set_feature_names(std::vector<std::string> names) { feature_names_ = std::move(names); }

 private:
  std::vector<Trajectory> trajs_;
  std::vector<std::string> feature_names_;
};

/// Loads trajectories from .npy, PLUMED COLVAR or CSV / TSV files (told by
/// content, data/table.h). `target_paths` is empty (targets = inputs) or has
/// one path per input. Text files give their `columns` selection; each
/// COLVAR header block (a restart) becomes its own trajectory, named
/// "path (block k)", so no lag pair crosses it. Every text input must give
/// the same feature names. Errors name the file.
TrajectorySet load_trajectories(const std::vector<std::string>& input_paths,
                                const std::vector<std::string>& target_paths = {},
                                const ColumnSelection& columns = {});

/// Throws DataError naming `what` and the first frame holding a NaN or Inf.
void check_finite(const Array& a, const std::string& what);

}  // namespace dynae
