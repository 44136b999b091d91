#include "dynae/experiments/model_landscape.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>


#include "dynae/data/npy.h"
#include "dynae/experiments/run.h"
#include "dynae/atomic_file.h"

namespace dynae {

namespace {

/// The model's own free energy on the grid, and its RMSE against the
/// histogram's over well-sampled bins.
void compare_free_energies(const Model& model, const Array& points, ModelLandscape& m) {
  const Landscape& l = m.landscape;
  m.model_free_energy = model.free_energy(points);
  m.model_free_energy.shape = l.counts.shape;
  const double lowest = *std::min_element(m.model_free_energy.data.begin(), m.model_free_energy.data.end());
  for (double& u : m.model_free_energy.data) u -= lowest;
  if (l.dims() != model.options().latent_dim) return;  // a slice of U is not the projection's F
  double total = 0;
  for (double c : l.counts.data) total += c;
  std::vector<double> diff;
  for (int64_t b = 0; b < l.counts.size(); ++b) {
    if (l.counts.data[b] >= ModelLandscape::kFreeEnergyBinFraction * total && std::isfinite(l.free_energy.data[b])) {
      diff.push_back(m.model_free_energy.data[b] - l.free_energy.data[b]);
    }
  }
  const std::vector<int64_t> basin = assign_basins(l, points);
  m.model_populations.assign(static_cast<size_t>(l.basins()), 0.0);
  double mass = 0;
  for (size_t b = 0; b < basin.size(); ++b) {
    const double p = std::exp(-m.model_free_energy.data[b]);
    m.model_populations[static_cast<size_t>(basin[b])] += p;
    mass += p;
  }
  for (double& p : m.model_populations) p /= mass;
  m.free_energy_bins = static_cast<int64_t>(diff.size());
  if (diff.empty()) return;
  double mean = 0, sq = 0;
  for (double v : diff) mean += v;
  mean /= static_cast<double>(diff.size());
  for (double v : diff) sq += (v - mean) * (v - mean);
  m.free_energy_rmse = std::sqrt(sq / static_cast<double>(diff.size()));
}

/// Components (i, j) of a (n, n, d) force grid, as (n, n, 2).
Array pair_components(const Array& force, int64_t i, int64_t j) {
  const int64_t d = force.shape.back(), cells = force.size() / d;
  Array out = Array::zeros({force.shape[0], force.shape[1], 2});
  for (int64_t c = 0; c < cells; ++c) {
    out.data[2 * c] = force.data[c * d + i];
    out.data[2 * c + 1] = force.data[c * d + j];
  }
  return out;
}

/// The field split on pair (i, j) of the landscape `lp`: for d = 2 the force
/// at the bin centres; for d > 2 the mean force of the frames in each bin
/// (the projected dynamics' drift: at equilibrium with unit diffusion, minus
/// the gradient of the projected free energy; a slice through U is not),
/// and the force at the bin centre, other coordinates at their mean, where
/// no frame fell (those cells are left out of the split).
Array pair_field(const Model& model, const ModelLandscape& m, const Landscape& lp, const Array& frame_force, int64_t i,
                 int64_t j) {
  const int64_t d = model.options().latent_dim;
  Array centre_force = model.force(grid_points(lp, m.slice));
  centre_force.shape = {lp.counts.shape[0], lp.counts.shape[1], d};
  Array field = pair_components(centre_force, i, j);
  if (d == 2) return field;
  const std::vector<int64_t> bins = grid_bins(lp, m.latent);
  std::vector<double> sum(static_cast<size_t>(field.size()), 0.0), weight(static_cast<size_t>(lp.counts.size()), 0.0);
  for (size_t t = 0; t < bins.size(); ++t) {
    if (bins[t] < 0) continue;
    const double w = m.weights.empty() ? 1.0 : m.weights[t];
    sum[2 * bins[t]] += w * frame_force.at(static_cast<int64_t>(t), i);
    sum[2 * bins[t] + 1] += w * frame_force.at(static_cast<int64_t>(t), j);
    weight[bins[t]] += w;
  }
  for (size_t b = 0; b < weight.size(); ++b) {
    if (weight[b] > 0) {
      field.data[2 * b] = sum[2 * b] / weight[b];
      field.data[2 * b + 1] = sum[2 * b + 1] / weight[b];
    }
  }
  return field;
}

/// Helmholtz split on the chosen pair, and the rotational fraction of every pair.
void split_forces(const Model& model, const LandscapeOptions& options, ModelLandscape& m) {
  const int64_t d = model.options().latent_dim;
  const Landscape& l = m.landscape;
  const Array frame_force = d > 2 ? model.force(m.latent) : Array();
  m.helmholtz = helmholtz_split(l.axes[0], l.axes[1], pair_field(model, m, l, frame_force, l.coordinates[0],
                                                                 l.coordinates[1]),
                                l.counts, /*support_only=*/d > 2);
  m.has_helmholtz = true;
  for (int64_t i = 0; i < d; ++i) {
    for (int64_t j = i + 1; j < d; ++j) {
      if (i == l.coordinates[0] && j == l.coordinates[1]) {
        m.rotational_fractions.push_back({i, j, m.helmholtz.rotational_fraction});
        continue;
      }
      LandscapeOptions pair = options;
      pair.coordinates = {i, j};
      const Landscape lp = compute_landscape(m.latent, pair, m.weights);
      const HelmholtzSplit h = helmholtz_split(lp.axes[0], lp.axes[1], pair_field(model, m, lp, frame_force, i, j),
                                               lp.counts, /*support_only=*/true);
      m.rotational_fractions.push_back({i, j, h.rotational_fraction});
    }
  }
}

}  // namespace

ModelLandscape model_landscape(const Model& model, const TrajectorySet& data, const LandscapeOptions& options,
                               bool helmholtz) {
  ModelLandscape m;
  const int64_t d = model.options().latent_dim;
  std::vector<Array> latents;
  for (const auto& t : data.trajectories()) {
    latents.push_back(model.encode(t.input));
    m.lengths.push_back(latents.back().frames());
  }
  m.latent = Array::concat_frames(latents);
  m.weights = data.weights();
  m.landscape = compute_landscape(m.latent, options, m.weights);
  m.weighted = data.weighted();
  m.states = assign_basins(m.landscape, m.latent);
  m.slice.assign(d, 0.0);
  double total = 0;  // of the weights (weighted frames) or frames
  for (int64_t t = 0; t < m.latent.frames(); ++t) {
    const double w = data.weighted() ? data.weights()[static_cast<size_t>(t)] : 1.0;
    for (int64_t j = 0; j < d; ++j) m.slice[j] += w * m.latent.at(t, j);
    total += w;
  }
  for (double& v : m.slice) v /= total;
  if (model.has_dynamics()) {
    const Array pts = grid_points(m.landscape, m.slice);
    std::vector<int64_t> shape = m.landscape.counts.shape;
    shape.push_back(d);
    m.force = model.force(pts);
    m.force.shape = shape;
    if (model.options().learn_diffusion) {
      m.diffusion = model.diffusion(pts);
      m.diffusion.shape = shape;
    }
    if (model.has_potential()) compare_free_energies(model, pts, m);
    if (helmholtz && d >= 2 && m.landscape.dims() == 2) split_forces(model, options, m);
  }
  return m;
}

std::string landscape_summary(const Landscape& l) {
  std::ostringstream os;
  os << l.basins() << " basin(s) of the free energy over latent coordinate"
     << (l.dims() == 1 ? " " : "s ") << l.coordinates[0] << (l.dims() == 2 ? " and " + std::to_string(l.coordinates[1]) : "")
     << "\nstate  centre                  F (kT)  population\n";
  char buf[160];
  for (int64_t k = 0; k < l.basins(); ++k) {
    std::string c = "(";
    for (int64_t a = 0; a < l.dims(); ++a) {
      char v[32];
      std::snprintf(v, sizeof v, "%s%.3g", a ? ", " : "", l.centers.at(k, a));
      c += v;
    }
    c += ")";
    std::snprintf(buf, sizeof buf, "%-6lld %-23s %6.2f  %.4f\n", static_cast<long long>(k), c.c_str(),
                  l.basin_free_energy[k], l.populations[k]);
    os << buf;
  }
  return os.str();
}

std::vector<std::string> landscape_output_names() {
  return {"axis_*.npy",        "free_energy.npy",     "counts.npy",         "basins.npy",
          "cluster_centers.npy", "force.npy",         "diffusion.npy",      "model_free_energy.npy",
          "free_energy_comparison.csv", "force_curl_free.npy", "force_div_free.npy", "helmholtz.csv",
          "helmholtz.png",     "helmholtz.svg",       "states_traj*.npy",   "states.csv"};
}

void write_landscape(const std::string& dir, const ModelLandscape& m) {
  make_directories(dir);
  const Landscape& l = m.landscape;
  for (int64_t a = 0; a < l.dims(); ++a) {
    write_npy(dir + "/axis_" + std::to_string(a) + ".npy",
              Array({static_cast<int64_t>(l.axes[a].size())}, l.axes[a]), NpyDtype::Float64);
  }
  write_npy(dir + "/free_energy.npy", l.free_energy, NpyDtype::Float64);
  write_npy(dir + "/counts.npy", l.counts, NpyDtype::Float64);
  write_npy(dir + "/basins.npy", l.basin, NpyDtype::Int64);
  write_npy(dir + "/cluster_centers.npy", l.centers, NpyDtype::Float64);
  if (m.force.size()) write_npy(dir + "/force.npy", m.force, NpyDtype::Float64);
  if (m.diffusion.size()) write_npy(dir + "/diffusion.npy", m.diffusion, NpyDtype::Float64);
  if (m.model_free_energy.size()) {
    write_npy(dir + "/model_free_energy.npy", m.model_free_energy, NpyDtype::Float64);
    std::ostringstream c;
    c.precision(8);
    c << "bins_compared,min_bin_fraction,rmse_kT\n"
      << m.free_energy_bins << "," << ModelLandscape::kFreeEnergyBinFraction << ",";
    if (std::isfinite(m.free_energy_rmse)) c << m.free_energy_rmse;
    c << "\n";
    write_text_atomically(dir + "/free_energy_comparison.csv", c.str());
  }
  if (m.has_helmholtz) {
    write_npy(dir + "/force_curl_free.npy", m.helmholtz.curl_free, NpyDtype::Float64);
    write_npy(dir + "/force_div_free.npy", m.helmholtz.div_free, NpyDtype::Float64);
    std::ostringstream c;
    c.precision(8);
    c << "coordinate_i,coordinate_j,rotational_fraction\n";
    for (const auto& p : m.rotational_fractions) c << p.i << "," << p.j << "," << p.rotational_fraction << "\n";
    write_text_atomically(dir + "/helmholtz.csv", c.str());
  }
  int64_t off = 0;
  for (size_t i = 0; i < m.lengths.size(); ++i) {
    std::vector<double> s(m.states.begin() + off, m.states.begin() + off + m.lengths[i]);
    write_npy(dir + "/states_traj" + std::to_string(i) + ".npy", Array({m.lengths[i]}, s), NpyDtype::Int64);
    off += m.lengths[i];
  }
  std::ostringstream csv;
  csv.precision(10);
  csv << "state";
  for (int64_t a = 0; a < l.dims(); ++a) csv << ",centre_z" << l.coordinates[a];
  const bool model_column = !m.model_populations.empty();
  csv << ",free_energy_kT,population" << (model_column ? ",model_population" : "") << "\n";
  for (int64_t k = 0; k < l.basins(); ++k) {
    csv << k;
    for (int64_t a = 0; a < l.dims(); ++a) csv << "," << l.centers.at(k, a);
    csv << "," << l.basin_free_energy[k] << "," << l.populations[k];
    if (model_column) csv << "," << m.model_populations[k];
    csv << "\n";
  }
  write_text_atomically(dir + "/states.csv", csv.str());
}

}  // namespace dynae
