#include "dynae/array.h"

#include <algorithm>
#include <sstream>

#include "dynae/errors.h"

namespace dynae {

int64_t shape_product(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

Values Values::view(std::shared_ptr<const void> keeper, const double* p, size_t n) {
  Values v;
  v.keeper_ = std::move(keeper);
  v.view_ = p;
  v.view_size_ = n;
  return v;
}

std::vector<double>& Values::vector() {
  if (keeper_) {
    own_.assign(view_, view_ + view_size_);
    keeper_.reset();
    view_ = nullptr;
    view_size_ = 0;
  }
  return own_;
}

Array::Array(std::vector<int64_t> shape_, Values data_)
    : shape(std::move(shape_)), data(std::move(data_)) {
  if (shape_product(shape) != static_cast<int64_t>(data.size())) {
    throw Error("Array: shape " + shape_string() + " holds " + std::to_string(shape_product(shape)) +
                " values but " + std::to_string(data.size()) + " were given");
  }
}

Array Array::zeros(std::vector<int64_t> shape_) {
  const int64_t n = shape_product(shape_);
  return Array(std::move(shape_), std::vector<double>(static_cast<size_t>(n), 0.0));
}

int64_t Array::frames() const { return shape.empty() ? 0 : shape[0]; }

int64_t Array::frame_size() const {
  int64_t n = 1;
  for (size_t i = 1; i < shape.size(); ++i) n *= shape[i];
  return n;
}

Array Array::slice_frames(int64_t begin, int64_t end) const {
  const int64_t fs = frame_size();
  std::vector<int64_t> s = shape;
  s[0] = end - begin;
  const Values& v = data;  // read only: a mapped array is not copied whole
  return Array(s, std::vector<double>(v.begin() + begin * fs, v.begin() + end * fs));
}

Array Array::concat_frames(const std::vector<Array>& parts) {
  Array out;
  if (parts.empty()) return out;
  out.shape = parts[0].shape;
  out.shape[0] = 0;
  for (const auto& p : parts) {
    if (p.rank() != out.rank() || !std::equal(p.shape.begin() + 1, p.shape.end(), out.shape.begin() + 1)) {
      throw DataError("concat_frames: frame shapes differ, " + parts[0].shape_string() + " and " + p.shape_string());
    }
    out.shape[0] += p.frames();
    out.data.append(p.data.begin(), p.data.end());
  }
  return out;
}

std::string Array::shape_string() const { return dynae::shape_string(shape); }

std::string shape_string(const std::vector<int64_t>& shape) {
  std::ostringstream os;
  os << "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) os << ", ";
    os << shape[i];
  }
  if (shape.size() == 1) os << ",";
  os << ")";
  return os.str();
}

}  // namespace dynae
