#pragma once
// The frames of every trajectory of a set, read in place by global frame
// index (the concatenation order): training gathers its minibatches from the
// caller's arrays and holds no copy of the data. Torch-free.
#include <cstdint>
#include <vector>

#include "dynae/data/trajectory_set.h"

namespace dynae {

class FrameRows {
 public:
  /// The inputs, or with `targets` the decoder's targets, of every trajectory.
  FrameRows(const TrajectorySet& data, bool targets);

  int64_t frames() const { return frames_; }
  int64_t width() const { return width_; }  ///< values per frame
  /// Frame f's values (double, as loaded).
  const double* row(int64_t f) const;
  /// Rows frames[k] + shift, k < n, converted to float into out (n, width).
  void gather(const int64_t* frames, int64_t n, int64_t shift, float* out) const;
  /// Whether `other` reads the same arrays (an autoencoder's targets).
  bool same_as(const FrameRows& other) const { return parts_ == other.parts_; }

 private:
  std::vector<const double*> parts_;
  std::vector<int64_t> ends_;  ///< cumulative frame counts
  int64_t frames_ = 0, width_ = 0;
};

}  // namespace dynae
