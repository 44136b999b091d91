#pragma once
// What a learned latent says about the system: the free energy of the encoded
// frames on a grid, its basins (metastable states) and the frames' labels.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "dynae/array.h"

namespace dynae {

struct LandscapeOptions {
  int64_t bins = 64;          ///< per axis
  double padding = 0.05;      ///< fraction of each axis' range added on both sides
  double smoothing = 1.0;     ///< Gaussian kernel sd (bins) applied to the counts before finding basins
  double min_barrier = 1.0;   ///< kT: neighbouring basins separated by a lower barrier are merged
  double min_population = 0.005;  ///< basins holding a smaller fraction of the frames (or weight) are merged too
  std::vector<int64_t> coordinates;  ///< latent coordinates shown (1 or 2); empty: {0} for d = 1, {0, 1} otherwise
  void validate() const;
};

/// The free energy F = -ln p (kT), zero at its minimum, of latents on a grid
/// over 1 or 2 of their coordinates (a projection when d > 2), with basins
/// found by steepest descent on the smoothed F and merged across barriers
/// lower than min_barrier.
struct Landscape {
  std::vector<int64_t> coordinates;       ///< which latent coordinates the axes are
  std::vector<std::vector<double>> axes;  ///< bin centres per axis
  std::vector<double> lower, upper;       ///< grid range per axis (bin edges)
  Array counts;        ///< (n) or (n, n) frames per bin, axis 0 first
  Array free_energy;   ///< same shape; NaN where no frame fell
  Array basin;         ///< same shape; basin index per bin, -1 where unvisited
  Array centers;       ///< (K, dims): the lowest bin of each basin, in latent units
  std::vector<double> basin_free_energy;  ///< F at each centre
  std::vector<double> populations;        ///< fraction of the frames in each basin
  int64_t dims() const { return static_cast<int64_t>(coordinates.size()); }
  int64_t basins() const { return centers.frames(); }
};

/// Builds the landscape of z (T, d). With `weights` (one per frame, >= 0),
/// each frame counts its weight (the reweighted landscape of a biased
/// simulation); counts and populations are then sums of weights. Throws
/// DataError for fewer than 2 frames, a constant coordinate, a coordinate
/// index out of range or weights that do not fit.
Landscape compute_landscape(const Array& z, const LandscapeOptions& options = {},
                            const std::vector<double>& weights = {});

/// Flat bin index of each point of z (T, d) on the landscape's grid; -1 outside.
std::vector<int64_t> grid_bins(const Landscape& l, const Array& z);

/// Basin of each point of z: the basin of its bin, or for points in unvisited
/// bins or off the grid, the basin whose centre is nearest.
std::vector<int64_t> assign_basins(const Landscape& l, const Array& z);

/// Grid points (n^dims, d) at the bin centres, the other latent coordinates at `fill` (length d).
Array grid_points(const Landscape& l, const std::vector<double>& fill);

/// Jensen-Shannon divergence (natural log, in [0, ln 2]) of two histograms of
/// equal size; each is normalised first.
double jensen_shannon(const std::vector<double>& p, const std::vector<double>& q);

/// Per state k < states: the fraction of frames with label k, and the mean
/// length (frames) of uninterrupted stays in k, runs cut at trajectory ends
/// (`lengths`; empty = one trajectory). NaN lifetime for a state never visited.
struct StateStatistics {
  std::vector<double> populations, lifetimes;
  std::vector<int64_t> visits;  ///< number of stays
};
StateStatistics state_statistics(const std::vector<int64_t>& labels, int64_t states,
                                 const std::vector<int64_t>& lengths = {});

/// Generated dynamics against the data they should reproduce, both seen on
/// the landscape `l` of the reference (encoded) latents.
struct DynamicsCheck {
  double js_divergence = NAN;  ///< of the two grid histograms, an off-grid bin included
  StateStatistics reference, generated;  ///< per basin of `l`
  std::vector<double> reference_histogram, generated_histogram;  ///< grid bins (flat), then the off-grid count
};
DynamicsCheck compare_dynamics(const Landscape& l, const Array& reference, const std::vector<int64_t>& reference_lengths,
                               const Array& generated, const std::vector<int64_t>& generated_lengths);

}  // namespace dynae
