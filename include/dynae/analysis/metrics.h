#pragma once
// Identifiability metrics of a learned latent against ground truth (or of two
// latents against each other), per METHOD.md "Judging a learned latent".
#include <cstdint>
#include <vector>

#include "dynae/array.h"

namespace dynae {

struct IdentifiabilityMetrics {
  double r2 = 0;          ///< linear R^2 of the least-squares map truth -> latent
  double disparity = 0;   ///< similarity-Procrustes disparity (0 = rotated, scaled copy)
  double anisotropy = 0;  ///< largest / smallest singular value of that linear map
  double scale = 0;       ///< geometric mean of its singular values (latent units per truth unit)
  std::vector<double> step_variance;        ///< per latent coordinate, var(z_{t+1} - z_t)
  std::vector<double> truth_step_variance;  ///< the same for the truth
};

/// Compares latent Z (T, d) with truth X (T, k): both centred, in double
/// precision. `lengths` (optional) are trajectory lengths so that per-step
/// variances never step across trajectories. Throws DataError when the frame
/// counts differ or an array is not 2-D.
IdentifiabilityMetrics compare_latents(const Array& truth, const Array& latent,
                                       const std::vector<int64_t>& lengths = {});

/// Per-coordinate variance of one-frame steps (T, d) -> d values.
std::vector<double> step_variance(const Array& z, const std::vector<int64_t>& lengths = {});

}  // namespace dynae
