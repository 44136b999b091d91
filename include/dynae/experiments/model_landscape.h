#pragma once
// The landscape of a trained model: its latent of some data, the free energy
// and basins of that latent, and the learned force (and diffusion) field on
// the same grid. What `dynae landscape` and `dynae generate` write.
#include <string>
#include <vector>

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
  bool weighted = false;      ///< the frames' weights made the histogram (a reweighted biased run)
};

/// Encodes `data` with `model` and builds the landscape, weighting the
/// frames by the data's weights when it has them. The force field is
/// evaluated at the grid points, latent coordinates off the axes at their mean.
ModelLandscape model_landscape(const Model& model, const TrajectorySet& data, const LandscapeOptions& options = {});

/// Writes into `dir` (created): axis_0.npy [axis_1.npy] (bin centres),
/// free_energy.npy (kT, NaN = unvisited), counts.npy, basins.npy (-1 =
/// unvisited), cluster_centers.npy (K, axes), states.csv, states_traj<i>.npy
/// (int64 basin per frame), force.npy / diffusion.npy (when the model has them).
void write_landscape(const std::string& dir, const ModelLandscape& m);

/// Human-readable table of the basins: centre, F, population.
std::string landscape_summary(const Landscape& l);

}  // namespace dynae
