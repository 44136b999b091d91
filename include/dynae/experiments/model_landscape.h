#pragma once
// The landscape of a trained model: its latent of some data, the free energy
// and basins of that latent, and the learned force (and diffusion) field on
// the same grid. What `dynae landscape` and `dynae generate` write.
#include <string>
#include <vector>

#include "dynae/analysis/helmholtz.h"
#include "dynae/analysis/landscape.h"
#include "dynae/data/trajectory_set.h"
#include "dynae/models/model.h"

namespace dynae {

struct ModelLandscape {
  Landscape landscape;
  Array latent;                  ///< every trajectory's latent, concatenated (T, d)
  std::vector<int64_t> lengths;  ///< frames per trajectory
  std::vector<int64_t> states;   ///< basin of every frame
  Array force;      ///< (n, d) or (n, n, d) on the grid; empty without learned dynamics
  Array diffusion;  ///< same shape, when diffusion is learned; else empty
  std::vector<double> slice;  ///< latent mean: the value of coordinates not on the axes
  /// A conservative force's own free energy U on the grid (kT, zero at its
  /// minimum), the other coordinates at `slice`; empty for other models.
  Array model_free_energy;
  /// RMSE (kT) between model_free_energy and the histogram's over the bins
  /// holding at least kFreeEnergyBinFraction of the frames (weight), after
  /// the mean difference over those bins is removed; NaN when the landscape
  /// does not show every latent coordinate (a projection is not a slice).
  double free_energy_rmse = NAN;
  int64_t free_energy_bins = 0;  ///< bins compared
  /// Each basin's share of exp(-U) on the grid (every bin to the basin
  /// assign_basins gives its centre): the populations the model's own
  /// stationary density predicts, without sampling noise; empty unless
  /// free_energy_rmse is.
  std::vector<double> model_populations;
  static constexpr double kFreeEnergyBinFraction = 0.001;
  /// Helmholtz split of the force on the landscape's pair of coordinates
  /// (d >= 2, 2-D landscape), weighted by the histogram; empty otherwise.
  /// For d > 2 the field split is the mean force of the frames in each bin
  /// (the projected dynamics' drift), the force at the bin centre where no
  /// frame fell.
  bool has_helmholtz = false;
  HelmholtzSplit helmholtz;
  /// Rotational fraction for every pair of latent coordinates (i < j), each
  /// on its own 2-D landscape (the chosen pair's is `helmholtz`).
  struct PairFraction {
    int64_t i, j;
    double rotational_fraction;
  };
  std::vector<PairFraction> rotational_fractions;
  bool weighted = false;      ///< the frames' weights made the histogram (a reweighted biased run)
  std::vector<double> weights;  ///< per frame, when weighted
};

/// Encodes `data` with `model` and builds the landscape, weighting the
/// frames by the data's weights when it has them. The force field is
/// evaluated at the grid points, latent coordinates off the axes at their mean.
/// `helmholtz` = false skips the force's Helmholtz splits (for callers that
/// do not show them, such as generate).
ModelLandscape model_landscape(const Model& model, const TrajectorySet& data, const LandscapeOptions& options = {},
                               bool helmholtz = true);

/// Writes into `dir` (created): axis_0.npy [axis_1.npy] (bin centres),
/// free_energy.npy (kT, NaN = unvisited), counts.npy, basins.npy (-1 =
/// unvisited), cluster_centers.npy (K, axes), states.csv, states_traj<i>.npy
/// (int64 basin per frame), force.npy / diffusion.npy (when the model has them);
/// model_free_energy.npy and free_energy_comparison.csv (a conservative force);
/// force_curl_free.npy, force_div_free.npy (n, n, 2) and helmholtz.csv (one
/// row per coordinate pair, column rotational_fraction) when the split was made.
void write_landscape(const std::string& dir, const ModelLandscape& m);
/// The names write_landscape (and dynae landscape's Helmholtz figure) write in
/// their folder, as shell patterns.
std::vector<std::string> landscape_output_names();

/// Human-readable table of the basins: centre, F, population.
std::string landscape_summary(const Landscape& l);

}  // namespace dynae
