#pragma once
// Per-feature standardisation (x - shift) / scale of a model's inputs or
// targets: fitted on the training frames, kept with the model, so that a
// model trained on standardised features still takes and gives raw frames.
#include <cstdint>
#include <vector>

#include "dynae/array.h"

namespace dynae {

class TrajectorySet;

struct FeatureScaling {
  std::vector<double> shift, scale;  ///< one per value of a frame; empty: the identity
  bool empty() const { return shift.empty(); }
  int64_t size() const { return static_cast<int64_t>(shift.size()); }

  /// Mean and standard deviation of every value of the inputs (or with
  /// `targets` the targets) over all frames of every trajectory (unweighted).
  /// A feature whose sd is below 1e-12 times the largest sd (or zero) keeps
  /// scale 1, so constant columns are shifted, never blown up.
  static FeatureScaling fit(const TrajectorySet& data, bool targets);
  /// (x - shift) / scale of every frame; x (T, ...) with size() values a
  /// frame. In place on the argument (pass an rvalue to avoid a copy).
  Array apply(Array x) const;
  /// x * scale + shift, the inverse, in place likewise.
  Array invert(Array x) const;
  /// Throws Error unless both vectors have `values` finite entries, scales > 0.
  void check(int64_t values, const char* what) const;
};

/// A copy of `data` with inputs and targets standardised (weights and feature
/// names kept; a trajectory's target stays its input when it had none).
TrajectorySet scaled_trajectories(const TrajectorySet& data, const FeatureScaling& inputs,
                                  const FeatureScaling& targets);

}  // namespace dynae
