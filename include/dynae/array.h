#pragma once
// A dense n-dimensional array of doubles, frames first: the library's exchange
// type with the outside world (numpy files, callers). Torch-free on purpose.
#include <cstdint>
#include <string>
#include <vector>

namespace dynae {

struct Array {
  std::vector<int64_t> shape;  ///< shape[0] = frames; the rest = one frame's shape
  std::vector<double> data;    ///< C (row-major) order, size = product of shape

  Array() = default;
  Array(std::vector<int64_t> shape_, std::vector<double> data_);
  /// A zero-filled array of the given shape.
  static Array zeros(std::vector<int64_t> shape_);

  int64_t rank() const { return static_cast<int64_t>(shape.size()); }
  /// Number of frames (shape[0]); 0 for a rank-0 array.
  int64_t frames() const;
  /// Number of values in one frame (product of shape[1:]); 1 for rank 1.
  int64_t frame_size() const;
  int64_t size() const { return static_cast<int64_t>(data.size()); }
  double& at(int64_t frame, int64_t k) { return data[frame * frame_size() + k]; }
  double at(int64_t frame, int64_t k) const { return data[frame * frame_size() + k]; }
  /// Frames [begin, end) as a new array.
  Array slice_frames(int64_t begin, int64_t end) const;
  /// Frames of several arrays one after another; every array must have the
  /// same frame shape (empty input: an empty array).
  static Array concat_frames(const std::vector<Array>& parts);
  /// "(199999, 2)"
  std::string shape_string() const;
};

/// "(199999, 2)", "(5,)": a shape as numpy prints it.
std::string shape_string(const std::vector<int64_t>& shape);

/// Product of a shape's entries (1 for an empty shape).
int64_t shape_product(const std::vector<int64_t>& shape);

}  // namespace dynae
