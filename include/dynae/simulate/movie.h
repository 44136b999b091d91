#pragma once
// Movies: ground-truth coordinates rendered as images, (T, 1, H, W).
#include <cstdint>
#include <string>
#include <vector>

#include "dynae/array.h"

namespace dynae {

struct MovieOptions {
  int64_t size = 32;            ///< H = W, pixels; a power of two >= 8
  std::string sprite = "spot";  ///< spot: Gaussian blob; disc: a soft-edged disc
  double radius = 0;            ///< spot sigma / disc radius in pixels (0: size / 16)
  /// Region of truth space mapped onto the image, {xmin, xmax, ymin, ymax}
  /// ({xmin, xmax} for 1-D truth); empty: the truth's range plus a margin of
  /// 2 radii on every side. Pixel (i, j) has its centre at
  /// x = xmin + (j + 0.5) / W * (xmax - xmin), y = ymin + (i + 0.5) / H * (ymax - ymin).
  std::vector<double> box;
  /// With 3-D truth, the third coordinate sets the radius, linearly from
  /// radius_range[0] (its minimum) to radius_range[1] (its maximum).
  std::vector<double> radius_range;
  double noise = 0.0;  ///< std of additive Gaussian pixel noise
  uint64_t seed = 0;

  /// Throws ConfigError for a bad option, for truth of dimension `truth_dim`
  /// (before anything is simulated).
  void validate(int64_t truth_dim) const;
  /// Bytes of `frames` float32 frames (the movie's size in memory).
  double bytes(double frames) const { return frames * static_cast<double>(size) * static_cast<double>(size) * 4.0; }
};

/// Renders truth (T, d), d = 1, 2 or 3, into (T, 1, size, size). 1-D truth moves
/// the sprite along x at mid-height. Throws ConfigError for bad options.
Array render_movie(const Array& truth, const MovieOptions& options);

/// Several trajectories of one system with one box (resolved from all of them).
std::vector<Array> render_movie(const std::vector<Array>& truths, const MovieOptions& options);

/// The box {xmin, xmax, ymin, ymax} used for `truths` (options.box, or the
/// range of all trajectories plus the margin). 1-D truth gets y in [-1, 1].
std::vector<double> movie_box(const std::vector<Array>& truths, const MovieOptions& options);

}  // namespace dynae
