#pragma once
// A latent's own quality figure, without ground truth: the slowest implied
// timescale of a Markov state model built on it. By the variational
// principle of conformational dynamics (Noe & Nueske 2013; Wu & Noe 2020),
// an approximation of the slowest process from any set of coordinates has an
// implied timescale no larger than the true one at the same lag, so of two
// latents of the same data, the one whose MSM relaxes more slowly resolves
// the slow process better. A latent that merges two metastable basins, or
// encodes only fast motion, scores low.
#include <cstdint>
#include <vector>

#include "dynae/array.h"

namespace dynae {

struct SlowTimescaleOptions {
  int64_t lag = 10;      ///< MSM lag, frames
  int64_t states = 50;   ///< k-means states on the (per-axis standardised) latent
  uint64_t seed = 0;     ///< k-means++ seeding
};

struct SlowTimescale {
  int64_t lag = 0;           ///< frames
  int64_t states = 0;        ///< states asked for
  double timescale = 0;      ///< slowest implied timescale, frames (0 when the MSM has one active state)
  double second = 0;         ///< the next slowest, frames (0 when there is none)
};

/// The slowest implied timescale of a reversible MSM on latents z_i (T_i, d):
/// k-means on every frame of every trajectory, counts inside each trajectory
/// at `lag`. Throws DataError when no trajectory is longer than the lag or a
/// value is not finite.
SlowTimescale slowest_timescale(const std::vector<Array>& latents, const SlowTimescaleOptions& options = {});

/// The lag of the quality figure when the option score_lag is 0 (auto): ten
/// training lags, at most a tenth of the longest trajectory (at least 1).
int64_t auto_score_lag(int64_t training_lag, const std::vector<int64_t>& lengths);

}  // namespace dynae
