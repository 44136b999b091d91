#pragma once
// Time-lagged independent component analysis (TICA), the linear baseline.
#include "dynae/data/trajectory_set.h"
#include "dynae/models/model.h"

namespace dynae {

/// Solves TICA on every lagged pair (lag options.lag) of every trajectory:
///  - mean and instantaneous covariance C(0) over both frames of every pair,
///    time-lagged covariance C(tau) symmetrised, (C01 + C10) / 2;
///  - C(0) + ridge I, ridge = options.tica_ridge times the mean feature
///    variance, then C(tau) v = lambda C(0) v by LibTorch's symmetric
///    eigensolver (LAPACK) after whitening with C(0)'s eigenvectors;
///  - the options.latent_dim slowest components (largest lambda), each scaled
///    to unit variance under C(0) (v' C(0) v = 1) and signed so that its
///    largest loading is positive.
/// The decoder is the least-squares linear map from the latent back to the
/// targets. Throws DataError for constant features, for a singular C(0) when
/// the ridge is 0, and when there are fewer features than latent dimensions.
Model fit_tica(const ModelOptions& options, const TrajectorySet& data);

}  // namespace dynae
