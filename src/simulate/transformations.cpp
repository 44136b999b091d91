#include "dynae/simulate/transformations.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "dynae/errors.h"

namespace dynae {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kRadiusLow = 0.75, kRadiusHigh = 1.35;  // of the start's radius

/// The shape, in units of its radius: three Gaussian blobs in an L with arms
/// of different lengths (no rotation or reflection leaves it unchanged).
struct Blob {
  double x, y, sigma, amplitude;
};
constexpr Blob kShape[] = {{0.0, 0.0, 0.45, 1.0}, {1.3, 0.0, 0.35, 0.8}, {0.0, 1.9, 0.3, 0.6}};
constexpr double kExtent = 2.5;  // the shape's reach from its centre, in radii

double start_radius(int64_t size) { return static_cast<double>(size) / 14.0; }
/// How far the centre may go from the frame's centre along x or y.
double centre_range(int64_t size) {
  return 0.5 * static_cast<double>(size) - kExtent * kRadiusHigh * start_radius(size);
}

double wrap_angle(double a) {
  a = std::remainder(a, 2 * kPi);  // [-pi, pi]
  return a <= -kPi ? a + 2 * kPi : a;
}

}  // namespace

const std::vector<std::string>& transformation_primitive_names() {
  static const std::vector<std::string> names = {"translate_x", "translate_y", "rotate", "scale"};
  return names;
}

void TransformationOptions::validate() const {
  if (frames < 2 || frames > 100000000) {
    throw ConfigError("transformations: frames = " + std::to_string(frames) +
                      " is invalid: expected an integer from 2 to 100000000");
  }
  if (size < 16 || size > 1024 || (size & (size - 1)) != 0) {
    throw ConfigError("transformations: frame size = " + std::to_string(size) +
                      " is invalid: expected a power of two from 16 to 1024");
  }
  if (step.size() != transformation_primitive_names().size()) {
    throw ConfigError("transformations: expected one step per primitive (translate_x, translate_y, rotate, scale)");
  }
  // The largest step (1.5 x typical) must leave room to move the other way
  // inside the allowed range.
  const double limits[] = {centre_range(size), centre_range(size), kPi, 0.5 * std::log(kRadiusHigh / kRadiusLow)};
  const char* units[] = {"pixels", "pixels", "radians", "log radius"};
  bool any = false;
  for (size_t k = 0; k < step.size(); ++k) {
    const std::string& name = transformation_primitive_names()[k];
    if (!std::isfinite(step[k]) || step[k] < 0) {
      throw ConfigError("transformations: the step of " + name + " must be a number >= 0 (" + units[k] + ")");
    }
    if (1.5 * step[k] > limits[k]) {
      char b[256];
      std::snprintf(b, sizeof b, "transformations: the step of %s (%g %s) is too large for a %lld-pixel frame: "
                    "expected at most %.4g", name.c_str(), step[k], units[k], static_cast<long long>(size),
                    limits[k] / 1.5);
      throw ConfigError(b);
    }
    any = any || step[k] > 0;
  }
  if (!any) throw ConfigError("transformations: every primitive's step is 0; at least one must move the shape");
  if (!std::isfinite(noise) || noise < 0) throw ConfigError("transformations: the pixel noise must be a number >= 0");
}

void apply_transformation_parameters(TransformationOptions& o, const std::map<std::string, double>& params) {
  for (const auto& [name, value] : params) {
    if (name == "translate") {
      o.step[0] = o.step[1] = value;
    } else if (name == "rotate") {
      o.step[2] = value;
    } else if (name == "scale") {
      o.step[3] = value;
    } else {
      throw ConfigError("transformations: unknown --param '" + name +
                        "'; expected translate (pixels), rotate (radians) or scale (log radius), each a primitive's "
                        "typical step, 0 to leave it out");
    }
  }
}

Array render_transformation_frames(const Array& pose, int64_t size) {
  if (pose.rank() != 2 || pose.shape[1] != 4) {
    throw DataError("transformation poses must be (T, 4): x, y, radius, angle; got " + pose.shape_string());
  }
  const int64_t frames = pose.frames();
  Array movie = Array::zeros({frames, 1, size, size});
  const double half = 0.5 * static_cast<double>(size);
  for (int64_t t = 0; t < frames; ++t) {
    const double x = pose.at(t, 0), y = pose.at(t, 1), r = pose.at(t, 2), a = pose.at(t, 3);
    const double c = std::cos(a), s = std::sin(a);
    double* image = movie.data.data() + t * size * size;
    for (const Blob& b : kShape) {
      const double bx = half + x + r * (c * b.x - s * b.y), by = half + y + r * (s * b.x + c * b.y);
      const double sigma = b.sigma * r, inv = 1.0 / (2 * sigma * sigma);
      // Only the pixels within 4 sigma
      const int64_t j0 = std::max<int64_t>(0, static_cast<int64_t>(std::floor(bx - 4 * sigma)));
      const int64_t j1 = std::min<int64_t>(size - 1, static_cast<int64_t>(std::ceil(bx + 4 * sigma)));
      const int64_t i0 = std::max<int64_t>(0, static_cast<int64_t>(std::floor(by - 4 * sigma)));
      const int64_t i1 = std::min<int64_t>(size - 1, static_cast<int64_t>(std::ceil(by + 4 * sigma)));
      for (int64_t i = i0; i <= i1; ++i) {
        const double dy = i + 0.5 - by;
        for (int64_t j = j0; j <= j1; ++j) {
          const double dx = j + 0.5 - bx;
          image[i * size + j] += b.amplitude * std::exp(-(dx * dx + dy * dy) * inv);
        }
      }
    }
  }
  return movie;
}

namespace {

TransformationSequence simulate_one(const TransformationOptions& o, int64_t trajectory) {
  std::mt19937_64 rng((o.seed ^ 0x7472616e73666d73ULL) + static_cast<uint64_t>(trajectory) * 0x9e3779b97f4a7c15ULL);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<int> active;
  for (size_t k = 0; k < o.step.size(); ++k) {
    if (o.step[k] > 0) active.push_back(static_cast<int>(k));
  }
  const double r0 = start_radius(o.size), range = centre_range(o.size);
  const double log_low = std::log(kRadiusLow * r0), log_high = std::log(kRadiusHigh * r0);
  TransformationSequence out;
  out.pose = Array::zeros({o.frames, 4});
  out.moves = Array::zeros({o.frames - 1, 2});
  double x = (unit(rng) - 0.5) * range, y = (unit(rng) - 0.5) * range, log_r = std::log(r0);
  double angle = wrap_angle((2 * unit(rng) - 1) * kPi);
  auto record = [&](int64_t t) {
    out.pose.at(t, 0) = x;
    out.pose.at(t, 1) = y;
    out.pose.at(t, 2) = std::exp(log_r);
    out.pose.at(t, 3) = angle;
  };
  record(0);
  for (int64_t t = 0; t + 1 < o.frames; ++t) {
    const int k = active[static_cast<size_t>(unit(rng) * static_cast<double>(active.size())) % active.size()];
    const double magnitude = o.step[static_cast<size_t>(k)] * (0.5 + unit(rng));
    double v = unit(rng) < 0.5 ? -magnitude : magnitude;
    auto inside = [&](double value, double lo, double hi) { return value >= lo && value <= hi; };
    switch (k) {
      case 0:
        if (!inside(x + v, -range, range)) v = -v;
        x += v;
        break;
      case 1:
        if (!inside(y + v, -range, range)) v = -v;
        y += v;
        break;
      case 2:
        angle = wrap_angle(angle + v);
        break;
      default:
        if (!inside(log_r + v, log_low, log_high)) v = -v;
        log_r += v;
        break;
    }
    out.moves.at(t, 0) = k;
    out.moves.at(t, 1) = v;
    record(t + 1);
  }
  out.movie = render_transformation_frames(out.pose, o.size);
  if (o.noise > 0) {
    std::normal_distribution<double> normal(0.0, o.noise);
    for (double& p : out.movie.data) p += normal(rng);
  }
  return out;
}

}  // namespace

std::vector<TransformationSequence> simulate_transformations(const TransformationOptions& o, int64_t trajectories) {
  o.validate();
  if (trajectories < 1) {
    throw ConfigError("transformations: trajectories = " + std::to_string(trajectories) + " is invalid: expected >= 1");
  }
  std::vector<TransformationSequence> out;
  for (int64_t t = 0; t < trajectories; ++t) out.push_back(simulate_one(o, t));
  return out;
}

}  // namespace dynae
