#pragma once
// Helmholtz decomposition of a 2-D vector field on a regular grid:
//   f = -grad(phi) + r,   div r = 0.
// For a latent force it splits the part that a free energy can explain
// (curl-free) from the rotational part (divergence-free) that only driven,
// non-equilibrium dynamics have: for f = -grad U alone r = 0, and the
// stationary density of dz = f dt + sqrt(2) dW is then exp(-U).
//
// The split is unique only up to a harmonic field grad(h) (lap h = 0), which
// is both curl-free and divergence-free. How it is fixed:
//  1. phi solves the Poisson problem lap(phi) = -div f on the grid's cells
//     (finite volumes, 5-point Laplacian) with r . n = 0 on the grid's
//     boundary (Neumann: no rotational flow leaves the grid), by Eigen's
//     sparse Cholesky (SimplicialLDLT; a 1e-9 diagonal shift fixes phi's constant);
//  2. the harmonic part that this boundary condition leaves in r is moved to
//     the curl-free part: among r + grad(h), h a harmonic polynomial of degree
//     2..8 about the weights' centre, the one with the least weighted strain
//     (symmetric part of grad r) is kept (a rigid rotation has none), then r's
//     weighted mean is removed (a uniform force is a gradient too).
// So r is the smallest-strain divergence-free field that carries f's curl,
// and a rigid rotation omega (-y, x) about the density's centre is recovered
// exactly up to the discretisation.
#include <cstdint>
#include <vector>

#include "dynae/array.h"
#include "dynae/simulate/potential.h"

namespace dynae {

struct HelmholtzSplit {
  Array curl_free;   ///< (nx, ny, 2): -grad(phi)
  Array div_free;    ///< (nx, ny, 2): r
  Array potential;   ///< (nx, ny): phi, zero at its minimum
  /// The share of the field's weighted mean square in r:
  /// sum w |r|^2 / sum w |f|^2 (0 for a gradient field).
  double rotational_fraction = 0;
};

/// Splits `field` (nx, ny, 2), given at the points x[i], y[j] (equally spaced,
/// nx, ny >= 4), weighting by `weights` (nx, ny), >= 0 with a positive sum
/// (typically the stationary density's histogram; empty = uniform). Throws
/// DataError for shapes that do not fit, non-finite values or bad weights.
/// With `support_only` the split is made on the cells of positive weight
/// alone (r . n = 0 on that region's edges; elsewhere r = 0 and the potential
/// NaN): for fields known only where the data are (a projection's mean force).
HelmholtzSplit helmholtz_split(const std::vector<double>& x, const std::vector<double>& y, const Array& field,
                               const Array& weights = {}, bool support_only = false);

/// The rotational fraction of a simulated system's own drift
/// -grad V + omega J (x - c) (2-D), split on a bins x bins grid over the
/// frames' range and weighted by their histogram: the truth to compare a
/// learned force's with. Throws DataError for frames that are not (T, 2).
double system_rotational_fraction(const Potential& potential, double omega, const std::vector<double>& centre,
                                  const std::vector<Array>& frames, int64_t bins = 64);

}  // namespace dynae
