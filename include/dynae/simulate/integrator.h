#pragma once
// Overdamped Langevin integration: dx = -D grad V dt + sqrt(2 kT dt) L xi,
// with a constant diffusion matrix D = L L^T (identity by default). A 2-D
// system can be driven out of equilibrium by a rotation: the divergence-free
// drift omega J (x - c), J (a, b) = (-b, a), added to -D grad V.
#include <cstdint>
#include <string>
#include <vector>

#include "dynae/array.h"
#include "dynae/simulate/potential.h"

namespace dynae {

enum class LangevinScheme {
  EulerMaruyama,       ///< x' = x - D grad V(x) dt + sqrt(2 kT dt) L xi_n
  LeimkuhlerMatthews,  ///< x' = x - D grad V(x) dt + sqrt(2 kT dt) L (xi_n + xi_{n+1}) / 2:
                       ///< same cost, second-order accurate stationary averages
};

/// "em" / "euler" / "euler-maruyama" or "lm" / "leimkuhler-matthews";
/// throws ConfigError otherwise.
LangevinScheme parse_scheme(const std::string& name);
std::string scheme_name(LangevinScheme s);

struct LangevinOptions {
  double dt = 1e-3;
  double kT = 1.0;
  int64_t steps = 100000;    ///< integration steps recorded (after burn-in); frames = steps / stride
  int64_t stride = 1;        ///< keep every stride-th step
  int64_t burn_in = 0;       ///< steps discarded before the first frame
  int64_t trajectories = 1;  ///< independent trajectories (own random streams)
  uint64_t seed = 0;
  LangevinScheme scheme = LangevinScheme::EulerMaruyama;
  std::vector<double> start;      ///< dim values (same start for every trajectory)
  std::vector<double> diffusion;  ///< empty (identity) or dim*dim row-major, symmetric positive definite
  int threads = 1;                ///< trajectories run in parallel over this many threads
  double rotation = 0;            ///< omega of the drift omega J (x - c) (2-D only; 0 = none, at equilibrium)
  std::vector<double> rotation_centre = {0, 0};  ///< c

  /// Throws ConfigError naming the first bad option (dt <= 0, kT < 0, ...).
  void validate(int64_t dim) const;
};

/// Simulates `options.trajectories` trajectories; each is (steps/stride, dim).
/// Frame 0 is the state after burn-in. The same options and seed give the same
/// numbers; trajectory i's stream depends only on (seed, i), not on threads.
/// Throws TrainingError-free Error if a coordinate becomes non-finite (dt too large).
std::vector<Array> simulate_langevin(const Potential& potential, const LangevinOptions& options);

}  // namespace dynae
