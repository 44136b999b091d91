#pragma once
// Observation maps: what a model sees of a ground-truth trajectory.
#include <cstdint>
#include <string>
#include <vector>

#include "dynae/array.h"

namespace dynae {

struct ObservationOptions {
  /// identity: y = x.
  /// warp:     y = x with y_i += warp * x_0^2 for i >= 1 (d = 2: (x, y + a x^2)),
  ///           then y_0 += shear * y_1 (d = 2: a bend, then a shear; injective).
  /// embed:    a random smooth injective map into out_dim dimensions:
  ///           y = Q s + nonlinearity * tanh(W s + b), where s is x standardised
  ///           per coordinate (by the data's mean and std), Q (out_dim x d)
  ///           has orthonormal columns, W ~ N(0, 1) and b ~ U(-1, 1) (seeded).
  std::string map = "identity";
  int64_t out_dim = 10;
  double warp = 1.0;
  double shear = 0.0;  ///< warp only
  double nonlinearity = 1.0;
  double noise = 0.0;  ///< std of additive Gaussian noise on every observed value
  uint64_t seed = 0;

  /// Throws ConfigError for an unknown map or a bad option, for truth of
  /// dimension `truth_dim` (before anything is simulated).
  void validate(int64_t truth_dim) const;
};

/// Applies the map to truth (T, d) and returns (T, n). Throws ConfigError for
/// an unknown map or bad options, naming them.
Array observe(const Array& truth, const ObservationOptions& options);
/// The same map for several trajectories of one system (embed standardises by
/// the statistics of all of them together, so every trajectory sees one map).
std::vector<Array> observe(const std::vector<Array>& truths, const ObservationOptions& options);

/// The names observe() accepts.
std::vector<std::string> observation_maps();

}  // namespace dynae
