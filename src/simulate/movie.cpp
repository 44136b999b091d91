#include "dynae/simulate/movie.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "dynae/errors.h"

namespace dynae {

std::vector<double> movie_box(const std::vector<Array>& truths, const MovieOptions& o) {
  const int64_t d = truths.empty() || truths[0].rank() != 2 ? 0 : truths[0].shape[1];
  const size_t want = d == 1 ? 2 : 4;
  if (!o.box.empty()) {
    if (o.box.size() != want) {
      throw ConfigError("movie box has " + std::to_string(o.box.size()) + " values; expected " + std::to_string(want) +
                        (d == 1 ? " (xmin, xmax)" : " (xmin, xmax, ymin, ymax)"));
    }
    for (size_t i = 0; i < want; i += 2) {
      if (!(o.box[i] < o.box[i + 1])) throw ConfigError("movie box: each minimum must be below its maximum");
    }
    std::vector<double> b = o.box;
    if (d == 1) b.insert(b.end(), {-1.0, 1.0});
    return b;
  }
  // The truth's range plus 2 sprite radii on each side, square pixels.
  double lo[2] = {1e300, d == 1 ? 0.0 : 1e300}, hi[2] = {-1e300, d == 1 ? 0.0 : -1e300};
  for (const auto& truth : truths) {
    for (int64_t t = 0; t < truth.frames(); ++t) {
      for (int64_t i = 0; i < std::min<int64_t>(d, 2); ++i) {
        lo[i] = std::min(lo[i], truth.at(t, i));
        hi[i] = std::max(hi[i], truth.at(t, i));
      }
    }
  }
  const double span = std::max({hi[0] - lo[0], hi[1] - lo[1], 1e-9});
  const double radius_px = o.radius > 0 ? o.radius : o.size / 16.0;
  double max_radius_px = radius_px;
  if (o.radius_range.size() == 2) max_radius_px = std::max(o.radius_range[0], o.radius_range[1]);
  // span + 2 * margin maps to size pixels with margin = 2 radii (in truth
  // units).
  const double usable = std::max(o.size - 4 * max_radius_px, 1.0);
  const double per_px = span / usable;
  const double half = 0.5 * o.size * per_px;
  const double cx = 0.5 * (lo[0] + hi[0]), cy = 0.5 * (lo[1] + hi[1]);
  return {cx - half, cx + half, cy - half, cy + half};
}

void MovieOptions::validate(int64_t d) const {
  if (d < 1 || d > 3) {
    throw ConfigError("movie: the truth has " + std::to_string(d) + " coordinates; a movie shows 1, 2 or 3");
  }
  if (size > 4096) {
    throw ConfigError("movie frame size = " + std::to_string(size) + " is invalid: expected a power of two from 8 to 4096");
  }
  if (!box.empty()) {
    const size_t want = d == 1 ? 2 : 4;
    for (double v : box) {
      if (!std::isfinite(v)) throw ConfigError("movie box: every value must be finite");
    }
    if (box.size() != want) {
      throw ConfigError("movie box has " + std::to_string(box.size()) + " values; expected " + std::to_string(want) +
                        (d == 1 ? " (xmin, xmax)" : " (xmin, xmax, ymin, ymax)"));
    }
    for (size_t i = 0; i < want; i += 2) {
      if (!(box[i] < box[i + 1])) throw ConfigError("movie box: each minimum must be below its maximum");
    }
  }
  if (size < 8 || (size & (size - 1)) != 0) {
    throw ConfigError("movie frame size = " + std::to_string(size) +
                      " is invalid: expected a power of two >= 8 (32, 64)");
  }
  if (sprite != "spot" && sprite != "disc") {
    throw ConfigError("movie sprite '" + sprite + "' is unknown; expected spot or disc");
  }
  if (radius < 0 || !std::isfinite(radius)) {
    throw ConfigError("movie radius must be a number >= 0 (pixels)");
  }
  if (!(noise >= 0) || !std::isfinite(noise)) {
    throw ConfigError("movie pixel noise must be a number >= 0");
  }
  if (d == 3 && radius_range.size() != 2) {
    throw ConfigError(
        "movie of 3-D truth: the third coordinate sets the "
        "radius; give radius_range (min, max pixels)");
  }
  const auto& range = radius_range;
  if (!range.empty() && (range.size() != 2 || !(range[0] > 0) || !(range[1] > 0))) {
    throw ConfigError("movie radius_range must be two positive numbers (pixels)");
  }
}

Array render_movie(const Array& truth, const MovieOptions& o) { return render_movie(std::vector<Array>{truth}, o)[0]; }

namespace {

void check_movie_inputs(const std::vector<Array>& truths, const MovieOptions& options) {
  if (truths.empty()) throw ConfigError("movie: no trajectories given");
  for (const auto& truth : truths) {
    if (truth.rank() != 2 || truth.frames() < 1 || truth.shape[1] < 1 || truth.shape[1] > 3 ||
        truth.shape[1] != truths[0].shape[1]) {
      throw ConfigError(
          "movie: expected truth trajectories of shape (T, d) "
          "with one d = 1, 2 or 3, got " +
          truth.shape_string());
    }
  }
  options.validate(truths[0].shape[1]);
}

/// Draws the sprite centred at pixel (px, py) (column = x, row = y) with
/// radius r into the size x size image.
void draw_sprite(const std::string& sprite, double px, double py, double r, int64_t size, double* image,
                 std::vector<double>& gx, std::vector<double>& gy) {
  if (sprite == "spot") {
    for (int64_t j = 0; j < size; ++j) {
      gx[j] = std::exp(-0.5 * ((j + 0.5 - px) * (j + 0.5 - px)) / (r * r));
      gy[j] = std::exp(-0.5 * ((j + 0.5 - py) * (j + 0.5 - py)) / (r * r));
    }
    for (int64_t i = 0; i < size; ++i) {
      for (int64_t j = 0; j < size; ++j) image[i * size + j] = gy[i] * gx[j];
    }
    return;
  }
  // Soft edge a pixel wide: 1 inside, 0 outside, logistic across the rim.
  for (int64_t i = 0; i < size; ++i) {
    for (int64_t j = 0; j < size; ++j) {
      const double dist = std::hypot(j + 0.5 - px, i + 0.5 - py);
      image[i * size + j] = 1.0 / (1.0 + std::exp((dist - r) / 0.3));
    }
  }
}

}  // namespace

std::vector<Array> render_movie(const std::vector<Array>& truths, const MovieOptions& options) {
  check_movie_inputs(truths, options);
  const int64_t d = truths[0].shape[1], size = options.size;
  const bool sized = d == 3;  // the third coordinate sets the radius
  const std::vector<double> box = movie_box(truths, options);
  const double r0 = options.radius > 0 ? options.radius : size / 16.0;
  double zmin = 0, zmax = 1;
  if (sized) {
    zmin = zmax = truths[0].at(0, 2);
    for (const auto& truth : truths) {
      for (int64_t t = 0; t < truth.frames(); ++t) {
        zmin = std::min(zmin, truth.at(t, 2));
        zmax = std::max(zmax, truth.at(t, 2));
      }
    }
  }
  std::mt19937_64 rng(options.seed ^ 0x6d6f766965ULL);
  std::normal_distribution<double> normal(0.0, options.noise > 0 ? options.noise : 1.0);
  std::vector<double> gx(size), gy(size);
  std::vector<Array> movies;
  for (const auto& truth : truths) {
    const int64_t frames = truth.frames();
    Array movie = Array::zeros({frames, 1, size, size});
    for (int64_t t = 0; t < frames; ++t) {
      const double px = (truth.at(t, 0) - box[0]) / (box[1] - box[0]) * size;
      const double py = d == 1 ? 0.5 * size : (truth.at(t, 1) - box[2]) / (box[3] - box[2]) * size;
      double r = r0;
      if (sized) {
        const double u = zmax > zmin ? (truth.at(t, 2) - zmin) / (zmax - zmin) : 0.5;
        r = options.radius_range[0] + u * (options.radius_range[1] - options.radius_range[0]);
      }
      double* image = movie.data.data() + t * size * size;
      draw_sprite(options.sprite, px, py, r, size, image, gx, gy);
      if (options.noise > 0) {
        for (int64_t k = 0; k < size * size; ++k) image[k] += normal(rng);
      }
    }
    movies.push_back(std::move(movie));
  }
  return movies;
}

}  // namespace dynae
