#pragma once
// A dense n-dimensional array of doubles, frames first: the library's exchange
// type with the outside world (numpy files, callers). Torch-free on purpose.
#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

namespace dynae {

/// An array's values: its own vector, or read-only pages of a file mapped
/// into memory (read_npy of a float64 file), which every process reading the
/// same file shares. Reading never copies; the first write access to mapped
/// values (a non-const data(), operator[], begin()/end() or a resize) copies
/// them into a vector of their own, so the file is never written.
class Values {
 public:
  Values() = default;
  Values(std::vector<double> v) : own_(std::move(v)) {}  // NOLINT: implicit, Array(shape, {...})
  Values(std::initializer_list<double> v) : own_(v) {}
  Values(size_t n, double x) : own_(n, x) {}
  /// `n` values at `p`, kept alive by `keeper` (the mapping).
  static Values view(std::shared_ptr<const void> keeper, const double* p, size_t n);

  size_t size() const { return keeper_ ? view_size_ : own_.size(); }
  bool empty() const { return size() == 0; }
  /// Whether the values are a view of a mapped file (no copy of their own).
  bool is_view() const { return static_cast<bool>(keeper_); }

  const double* data() const { return keeper_ ? view_ : own_.data(); }
  double* data() { return vector().data(); }
  const double& operator[](size_t i) const { return data()[i]; }
  double& operator[](size_t i) { return vector()[i]; }
  const double* begin() const { return data(); }
  const double* end() const { return data() + size(); }
  double* begin() { return data(); }
  double* end() { return data() + size(); }
  const double& front() const { return data()[0]; }
  const double& back() const { return data()[size() - 1]; }

  void push_back(double x) { vector().push_back(x); }
  void resize(size_t n, double x = 0.0) { vector().resize(n, x); }
  void reserve(size_t n) { vector().reserve(n); }
  void clear() { *this = Values(); }
  template <typename It>
  void append(It first, It last) { vector().insert(vector().end(), first, last); }

  /// The values as a vector of their own (copied out of a mapping first).
  std::vector<double>& vector();
  /// A copy as a plain vector.
  std::vector<double> to_vector() const { return std::vector<double>(begin(), end()); }

  friend bool operator==(const Values& a, const Values& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
  }
  friend bool operator!=(const Values& a, const Values& b) { return !(a == b); }

 private:
  std::vector<double> own_;
  std::shared_ptr<const void> keeper_;
  const double* view_ = nullptr;
  size_t view_size_ = 0;
};

struct Array {
  std::vector<int64_t> shape;  ///< shape[0] = frames; the rest = one frame's shape
  Values data;                 ///< C (row-major) order, size = product of shape

  Array() = default;
  Array(std::vector<int64_t> shape_, Values data_);
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
