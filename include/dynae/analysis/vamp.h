#pragma once
// The VAMP-2 score of a feature set at a lag (Wu & Noe, J. Nonlinear Sci. 30,
// 23 (2020)): how much of the lag-tau dynamics the features' linear span
// captures. One estimator for every candidate, so representations (latents,
// TICA components, raw features) can be ranked by it.
#include <cstdint>
#include <vector>

#include "dynae/array.h"

namespace dynae {

struct VampOptions {
  /// Eigenvalues of the instantaneous and the time-lagged covariance below
  /// epsilon times the largest are dropped (the features' numerical rank);
  /// relative, so the score does not depend on the features' units.
  double epsilon = 1e-10;
  int64_t rank = 0;  ///< singular functions kept (0 = all)
};

/// The fitted VAMP model: mean-free features x_t (instantaneous) and
/// x_{t+lag} (time-lagged), each centred on its own mean; whitened singular
/// functions u(x) = U^T (x - mean0), v(y) = V^T (y - meant).
struct VampModel {
  int64_t lag = 0, features = 0;
  std::vector<double> mean0, meant;
  std::vector<double> singular_values;  ///< descending, `rank` of them
  Array u, v;                           ///< (features, rank)
  int64_t rank() const { return static_cast<int64_t>(singular_values.size()); }
  /// 1 + sum of squared singular values: the constant function counts 1.
  double score() const;
};

/// Fits on lag pairs inside each trajectory (T_i, ...) (a frame's values are
/// its features). Throws DataError when trajectories disagree in frame size,
/// hold a non-finite value, or give fewer than 2 lag pairs in all.
VampModel fit_vamp(const std::vector<Array>& trajectories, int64_t lag, const VampOptions& options = {});

/// VAMP-2 of the model's singular functions on other data (a held-out test
/// set): 1 + || (U'C00 U)^-1/2 U'C0t V (V'Ctt V)^-1/2 ||_F^2 with the test
/// data's covariances (each centred on the test data's own means).
double vamp2_score(const VampModel& model, const std::vector<Array>& test);

/// Trajectories split for cross-validation: with two or more trajectories,
/// every k-th (k = round(1 / test_fraction)) goes to the test set; with one,
/// its last test_fraction of frames. Returns {train, test}.
std::pair<std::vector<Array>, std::vector<Array>> split_trajectories(const std::vector<Array>& trajectories,
                                                                     double test_fraction);

}  // namespace dynae
