#include "data/frame_rows.h"

#include <algorithm>

namespace dynae {

FrameRows::FrameRows(const TrajectorySet& data, bool targets) {
  for (const Trajectory& t : data.trajectories()) {
    const Array& a = targets ? t.target() : t.input;
    parts_.push_back(a.data.data());
    frames_ += a.frames();
    ends_.push_back(frames_);
    width_ = a.frame_size();
  }
}

const double* FrameRows::row(int64_t f) const {
  if (parts_.size() == 1) return parts_[0] + f * width_;
  const size_t k = static_cast<size_t>(std::upper_bound(ends_.begin(), ends_.end(), f) - ends_.begin());
  return parts_[k] + (f - (k == 0 ? 0 : ends_[k - 1])) * width_;
}

void FrameRows::gather(const int64_t* frames, int64_t n, int64_t shift, float* out) const {
  if (parts_.size() == 1) {  // one trajectory: no lookup of the part
    const double* base = parts_[0] + shift * width_;
    if (width_ == 2) {
      for (int64_t k = 0; k < n; ++k) {
        if (k + 16 < n) __builtin_prefetch(base + 2 * frames[k + 16]);  // rows of a long trajectory miss the cache
        out[2 * k] = static_cast<float>(base[2 * frames[k]]);
        out[2 * k + 1] = static_cast<float>(base[2 * frames[k] + 1]);
      }
      return;
    }
    for (int64_t k = 0; k < n; ++k) {
      const double* r = base + frames[k] * width_;
      for (int64_t j = 0; j < width_; ++j) out[k * width_ + j] = static_cast<float>(r[j]);
    }
    return;
  }
  for (int64_t k = 0; k < n; ++k) {
    const double* r = row(frames[k] + shift);
    float* o = out + k * width_;
    for (int64_t j = 0; j < width_; ++j) o[j] = static_cast<float>(r[j]);
  }
}

}  // namespace dynae
