#include "dynae/experiments/model_landscape.h"

#include <cstdio>
#include <sstream>

#include "dynae/data/npy.h"
#include "dynae/experiments/run.h"
#include "util/atomic_file.h"

namespace dynae {

ModelLandscape model_landscape(const Model& model, const TrajectorySet& data, const LandscapeOptions& options) {
  ModelLandscape m;
  const int64_t d = model.options().latent_dim;
  std::vector<Array> latents;
  for (const auto& t : data.trajectories()) {
    latents.push_back(model.encode(t.input));
    m.lengths.push_back(latents.back().frames());
  }
  m.latent = Array::concat_frames(latents);
  m.landscape = compute_landscape(m.latent, options, data.weights());
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
  csv << ",free_energy_kT,population\n";
  for (int64_t k = 0; k < l.basins(); ++k) {
    csv << k;
    for (int64_t a = 0; a < l.dims(); ++a) csv << "," << l.centers.at(k, a);
    csv << "," << l.basin_free_energy[k] << "," << l.populations[k] << "\n";
  }
  write_text_atomically(dir + "/states.csv", csv.str());
}

}  // namespace dynae
