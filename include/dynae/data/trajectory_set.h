#pragma once
// One or more trajectories (inputs and optional targets) that a model trains on.
#include <string>
#include <vector>

#include "dynae/array.h"
#include "dynae/data/frame_weights.h"
#include "dynae/data/npy.h"
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

  /// Statistical weights of the frames (biased simulations): whether any
  /// were given, and then one per frame of every trajectory in order, mean 1.
  bool weighted() const { return !weights_.empty(); }
  const std::vector<double>& weights() const { return weights_; }
  /// Trajectory i's weights (all 1 when unweighted).
  std::vector<double> trajectory_weights(size_t i) const;
  /// Sets the weights after the trajectories are added: DataError unless
  /// one per frame, finite, >= 0 and not all 0.
  void set_weights(std::vector<double> weights);

 private:
  std::vector<Trajectory> trajs_;
  std::vector<std::string> feature_names_;
  std::vector<double> weights_;
};

/// Loads trajectories from .npy, PLUMED COLVAR or CSV / TSV files (told by
/// content, data/table.h). `target_paths` is empty (targets = inputs) or has
/// one path per input. Text files give their `columns` selection; each
/// COLVAR header block (a restart) becomes its own trajectory, named
/// "path (block k)", so no lag pair crosses it. Every text input must give
/// the same feature names. With `weights` given, the frames' weights are
/// read from the inputs' weights column or from one file per input (one
/// value per frame, COLVAR blocks in order) and normalised to mean 1
/// (data/frame_weights.h). `mapping`: whether .npy files are mapped into
/// memory rather than copied (data/npy.h). Errors name the file.
TrajectorySet load_trajectories(const std::vector<std::string>& input_paths,
                                const std::vector<std::string>& target_paths = {},
                                const ColumnSelection& columns = {}, const WeightSpec& weights = {},
                                NpyMapping mapping = NpyMapping::Auto);

/// Throws DataError when every input feature is constant over all frames
/// (nothing to learn).
void check_not_constant(const TrajectorySet& data);

/// Throws DataError naming `what` and the first frame holding a NaN or Inf.
void check_finite(const Array& a, const std::string& what);

}  // namespace dynae
