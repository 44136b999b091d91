#include "dynae/experiments/ramachandran.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "dynae/analysis/classifier.h"
#include "dynae/analysis/discretise.h"
#include "dynae/analysis/msm.h"
#include "dynae/analysis/plots.h"
#include "dynae/analysis/vamp.h"
#include "dynae/errors.h"
#include "dynae/experiments/run.h"
#include "dynae/simulate/molecule.h"
#include "dynae/atomic_file.h"

namespace dynae {
namespace {

std::vector<double> slowest_its(const DiscreteTrajectories& dtrajs, int64_t lag) {
  int64_t states = 0;
  for (const auto& d : dtrajs) {
    for (int64_t s : d) states = std::max(states, s + 1);
  }
  ItsOptions o;
  o.processes = 2;
  return implied_timescales(dtrajs, states, lag, o).timescales;
}

// VAMP-2 fitted on the first half of every trajectory, scored on the second.
double vamp2_halves(const std::vector<Array>& trajectories, int64_t lag) {
  std::vector<Array> train, test;
  for (const Array& a : trajectories) {
    const int64_t half = a.frames() / 2;
    train.push_back(a.slice_frames(0, half));
    test.push_back(a.slice_frames(half, a.frames()));
  }
  return vamp2_score(fit_vamp(train, lag), test);
}

std::vector<Array> indicators(const DiscreteTrajectories& dtrajs) {
  int64_t states = 0;
  for (const auto& d : dtrajs) {
    for (int64_t s : d) states = std::max(states, s + 1);
  }
  std::vector<Array> out;
  for (const auto& d : dtrajs) {
    Array a = Array::zeros({static_cast<int64_t>(d.size()), states});
    for (size_t t = 0; t < d.size(); ++t) a.at(static_cast<int64_t>(t), d[t]) = 1;
    out.push_back(std::move(a));
  }
  return out;
}

std::string fmt(double v, const char* f = "%.3f") {
  if (!std::isfinite(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

}  // namespace

void RamachandranOptions::validate() const {
  if (lag < 1) throw ConfigError("ramachandran: lag = " + std::to_string(lag) + " is invalid: expected >= 1 frame");
  if (clusters < 2 || clusters > 10000) {
    throw ConfigError("ramachandran: clusters = " + std::to_string(clusters) + " is invalid: expected 2 to 10000");
  }
  if (!(dt_frame > 0 && std::isfinite(dt_frame))) throw ConfigError("ramachandran: dt_frame must be positive");
  landscape.validate();
}

RamachandranResult assess_against_ramachandran(const std::vector<Array>& truth,
                                               const std::vector<std::pair<std::string, std::vector<Array>>>& latents,
                                               const RamachandranOptions& o) {
  o.validate();
  if (truth.empty()) throw DataError("ramachandran: no truth trajectories");
  std::vector<int64_t> lengths;
  for (size_t k = 0; k < truth.size(); ++k) {
    if (truth[k].rank() != 2 || truth[k].frame_size() != 2) {
      throw DataError("ramachandran: truth " + std::to_string(k) + " has shape " + truth[k].shape_string() +
                      "; expected (T, 2): phi, psi in radians");
    }
    if (truth[k].frames() <= 2 * o.lag) {
      throw DataError("ramachandran: truth " + std::to_string(k) + " has " + std::to_string(truth[k].frames()) +
                      " frames; the lag " + std::to_string(o.lag) + " needs more than twice that");
    }
    for (double v : truth[k].data) {
      if (!std::isfinite(v)) throw DataError("ramachandran: truth " + std::to_string(k) + " holds a non-finite value");
      // Dihedrals in radians lie in [-pi, pi] (a little slack for rounding);
      // degrees would put every frame in one basin without a word.
      if (std::fabs(v) > 3.1416) {
        throw DataError("ramachandran: truth " + std::to_string(k) + " holds the angle " + std::to_string(v) +
                        ", outside [-pi, pi]: expected (phi, psi) in radians (degrees? multiply by pi / 180)");
      }
    }
    lengths.push_back(truth[k].frames());
  }
  const Array angles = Array::concat_frames(truth);
  const int64_t T = angles.frames();
  RamachandranResult r;
  r.options = o;
  r.frames = T;
  r.basin_fraction.assign(kBasinCount, 0.0);
  std::vector<int> phi_positive(static_cast<size_t>(T)), rama(static_cast<size_t>(T));
  Array sincos = Array::zeros({T, 4});
  for (int64_t t = 0; t < T; ++t) {
    const double phi = angles.at(t, 0), psi = angles.at(t, 1);
    phi_positive[t] = phi > 0;
    r.phi_positive += phi > 0;
    r.phi_wrapped += phi > 2.2;
    rama[t] = static_cast<int>(ramachandran_basin(phi, psi));
    r.basin_fraction[rama[t]] += 1;
    sincos.at(t, 0) = std::sin(phi);
    sincos.at(t, 1) = std::cos(phi);
    sincos.at(t, 2) = std::sin(psi);
    sincos.at(t, 3) = std::cos(psi);
  }
  r.phi_positive /= static_cast<double>(T);
  r.phi_wrapped /= static_cast<double>(T);
  for (double& f : r.basin_fraction) f /= static_cast<double>(T);
  for (const Array& a : truth) {
    std::vector<double> phi(static_cast<size_t>(a.frames()));
    for (int64_t t = 0; t < a.frames(); ++t) phi[t] = a.at(t, 0);
    r.phi_transitions += count_phi_transitions(phi);
  }
  {
    Array degrees = angles;
    for (double& v : degrees.data) v *= 180.0 / 3.14159265358979323846;
    LandscapeOptions lo = o.landscape;
    lo.coordinates = {0, 1};
    lo.padding = 0;
    r.truth_landscape = compute_landscape(degrees, lo);
  }
  const DiscreteTrajectories truth_states = standardised_kmeans_states(sincos, lengths, o.clusters, o.seed);
  r.truth_its = slowest_its(truth_states, o.lag);
  r.truth_vamp2_states = vamp2_halves(indicators(truth_states), o.lag);

  const int64_t half = T / 2;
  std::vector<int> train_labels(phi_positive.begin(), phi_positive.begin() + half),
      test_labels(phi_positive.begin() + half, phi_positive.end());
  if (!latents.empty()) {
    // The phi-sign classifier learns on the first half of the frames and is
    // judged on the second: both need both signs.
    for (const auto* part : {&train_labels, &test_labels}) {
      const int64_t positive = std::count(part->begin(), part->end(), 1);
      if (positive == 0 || positive == static_cast<int64_t>(part->size())) {
        throw DataError(std::string("ramachandran: phi has one sign (") + (positive ? "positive" : "negative") +
                        ") in every frame of the " + (part == &train_labels ? "first" : "second") +
                        " half of the truth, where the phi-sign classifier " +
                        (part == &train_labels ? "learns" : "is judged") +
                        ": the simulation never crossed between C7eq/beta and C7ax/alpha_L there (run longer or "
                        "hotter)");
      }
    }
  }
  for (const auto& [name, parts] : latents) {
    if (parts.size() != truth.size()) {
      throw DataError("ramachandran: latent " + name + " has " + std::to_string(parts.size()) +
                      " trajectories; the truth has " + std::to_string(truth.size()));
    }
    for (size_t k = 0; k < parts.size(); ++k) {
      if (parts[k].rank() != 2 || parts[k].frames() != lengths[k]) {
        throw DataError("ramachandran: latent " + name + " trajectory " + std::to_string(k) + " has shape " +
                        parts[k].shape_string() + "; expected " + std::to_string(lengths[k]) + " frames (T, d)");
      }
      for (double v : parts[k].data) {
        if (!std::isfinite(v)) throw DataError("ramachandran: latent " + name + " holds a non-finite value");
      }
    }
    LatentAssessment a;
    a.name = name;
    const Array z = Array::concat_frames(parts);
    a.dim = z.frame_size();
    const Array z_train = z.slice_frames(0, half), z_test = z.slice_frames(half, T);
    a.accuracy_linear = classification_accuracy(fit_logistic(z_train, train_labels, false), z_test, test_labels);
    a.accuracy_quadratic = classification_accuracy(fit_logistic(z_train, train_labels, true), z_test, test_labels);

    LandscapeOptions lo = o.landscape;
    if (lo.coordinates.empty()) lo.coordinates = a.dim == 1 ? std::vector<int64_t>{0} : std::vector<int64_t>{0, 1};
    a.landscape = compute_landscape(z, lo);
    const Landscape& l = a.landscape;
    const std::vector<int64_t> basin = assign_basins(l, z);
    const int64_t K = l.basins();
    std::vector<std::vector<double>> counts(static_cast<size_t>(K), std::vector<double>(kBasinCount, 0.0));
    for (int64_t t = 0; t < T; ++t) {
      if (basin[t] >= 0) counts[basin[t]][rama[t]] += 1;
    }
    a.min_purity = 1;
    for (int64_t b = 0; b < K; ++b) {
      double total = 0, best = 0;
      int majority = 0;
      for (int c = 0; c < kBasinCount; ++c) {
        total += counts[b][c];
        if (counts[b][c] > best) {
          best = counts[b][c];
          majority = c;
        }
      }
      a.basin_population.push_back(total / static_cast<double>(T));
      a.basin_purity.push_back(total > 0 ? best / total : 0);
      a.basin_majority.push_back(majority);
      a.min_purity = std::min(a.min_purity, a.basin_purity.back());
    }
    const DiscreteTrajectories states = standardised_kmeans_states(z, lengths, o.clusters, o.seed);
    a.its = slowest_its(states, o.lag);
    a.vamp2_latent = vamp2_halves(parts, o.lag);
    a.vamp2_states = vamp2_halves(indicators(states), o.lag);
    r.latents.push_back(std::move(a));
  }
  return r;
}

std::string ramachandran_table(const RamachandranResult& r) {
  const auto& o = r.options;
  auto time = [&](const std::vector<double>& its, size_t i) {
    return i < its.size() ? fmt(its[i] * o.dt_frame, "%.4g") : std::string("n/a");
  };
  std::ostringstream s;
  s << "Frames " << r.frames << "; phi > 0 in " << fmt(100 * r.phi_positive, "%.2f") << " % of them ("
    << fmt(100 * r.phi_wrapped, "%.2f") << " % with phi > 2.2 rad, the beta basin across 180 deg); "
    << r.phi_transitions << " phi transitions (C7eq/beta <-> C7ax/alpha_L, core to core); basins:";
  for (int b = 0; b < kBasinCount; ++b) {
    s << " " << basin_name(static_cast<Basin>(b)) << " " << fmt(r.basin_fraction[b]);
  }
  s << ".\nMSMs: k-means with " << o.clusters << " centres, lag " << o.lag << " frames ("
    << fmt(static_cast<double>(o.lag) * o.dt_frame, "%.4g") << " " << o.time_unit
    << "); timescales in " << o.time_unit << ". Classifiers and VAMP-2: fitted on the first half of the frames, "
    << "scored on the second.\n\n";
  s << "| coordinates | d | phi-sign accuracy (linear / quadratic logistic) | basins: population (purity, main "
       "Ramachandran basin) | min purity | ITS 1 | ITS 2 | ITS 1 / (phi, psi) | VAMP-2 latent | VAMP-2 states |\n";
  s << "|---|---|---|---|---|---|---|---|---|---|\n";
  s << "| (phi, psi) | 2 | | | | " << time(r.truth_its, 0) << " | " << time(r.truth_its, 1) << " | 1 | | "
    << fmt(r.truth_vamp2_states) << " |\n";
  for (const auto& a : r.latents) {
    std::string basins;
    for (size_t b = 0; b < a.basin_population.size(); ++b) {
      basins += (b ? ", " : "") + fmt(a.basin_population[b], "%.2f") + " (" + fmt(a.basin_purity[b], "%.3f") + " " +
                basin_name(static_cast<Basin>(a.basin_majority[b])) + ")";
    }
    const double ratio = !a.its.empty() && !r.truth_its.empty() ? a.its[0] / r.truth_its[0] : NAN;
    s << "| " << a.name << " | " << a.dim << " | " << fmt(a.accuracy_linear, "%.4f") << " / "
      << fmt(a.accuracy_quadratic, "%.4f") << " | " << basins << " | " << fmt(a.min_purity) << " | " << time(a.its, 0)
      << " | " << time(a.its, 1) << " | " << fmt(ratio) << " | " << fmt(a.vamp2_latent) << " | "
      << fmt(a.vamp2_states) << " |\n";
  }
  return s.str();
}

std::vector<std::string> ramachandran_output_names() {
  return {"ramachandran.md", "ramachandran.csv", "ramachandran_*.png", "ramachandran_*.svg"};
}

void write_ramachandran(const std::string& dir, const RamachandranResult& r) {
  make_directories(dir);
  write_text_atomically(dir + "/ramachandran.md", ramachandran_table(r));
  std::ostringstream c;
  c << "coordinates,dim,accuracy_linear,accuracy_quadratic,basins,min_purity,its1,its2,its1_ratio,vamp2_latent,"
       "vamp2_states\n";
  auto its = [&](const std::vector<double>& v, size_t i) { return i < v.size() ? v[i] * r.options.dt_frame : NAN; };
  c.precision(8);
  c << "phi_psi,2,,,,," << its(r.truth_its, 0) << "," << its(r.truth_its, 1) << ",1,," << r.truth_vamp2_states
    << "\n";
  for (const auto& a : r.latents) {
    c << a.name << "," << a.dim << "," << a.accuracy_linear << "," << a.accuracy_quadratic << ","
      << a.basin_population.size() << "," << a.min_purity << "," << its(a.its, 0) << "," << its(a.its, 1) << ","
      << (a.its.empty() || r.truth_its.empty() ? NAN : a.its[0] / r.truth_its[0]) << "," << a.vamp2_latent << ","
      << a.vamp2_states << "\n";
  }
  write_text_atomically(dir + "/ramachandran.csv", c.str());

  // Figures: the Ramachandran basins at their lowest free energy, beside each latent.
  FreeEnergyPanel truth;
  truth.landscape = &r.truth_landscape;
  truth.title = "F(phi, psi) of the simulation";
  truth.xlabel = "phi (deg)";
  truth.ylabel = "psi (deg)";
  const Landscape& tl = r.truth_landscape;
  const int64_t n = static_cast<int64_t>(tl.axes[0].size());
  for (int b = 0; b < kBasinCount; ++b) {
    double best = INFINITY;
    std::array<double, 2> at{};
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        const double f = tl.free_energy.data[i * n + j];
        const double phi = tl.axes[0][i] * 3.14159265358979323846 / 180, psi = tl.axes[1][j] * 3.14159265358979323846 / 180;
        if (std::isfinite(f) && f < best && static_cast<int>(ramachandran_basin(phi, psi)) == b) {
          best = f;
          at = {tl.axes[0][i], tl.axes[1][j]};
        }
      }
    }
    if (std::isfinite(best)) truth.labels.push_back({at, basin_name(static_cast<Basin>(b))});
  }
  for (const auto& a : r.latents) {
    if (a.landscape.dims() != 2) continue;
    FreeEnergyPanel latent;
    latent.landscape = &a.landscape;
    std::string shown = a.name;  // gnuplot would set what follows an underscore as a subscript
    std::replace(shown.begin(), shown.end(), '_', ' ');
    latent.title = "F of the " + shown + " latent, basins by main Ramachandran basin";
    latent.xlabel = "z0";
    latent.ylabel = "z1";
    for (int64_t k = 0; k < a.landscape.basins(); ++k) {
      latent.labels.push_back({{a.landscape.centers.at(k, 0), a.landscape.centers.at(k, 1)},
                               std::string(basin_name(static_cast<Basin>(a.basin_majority[k]))) + " " +
                                   fmt(100 * a.basin_purity[k], "%.1f") + "%"});
    }
    std::string stem = a.name;
    for (char& ch : stem) {
      if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_') ch = '_';
    }
    plot_free_energy_panels({truth, latent}, dir + "/ramachandran_" + stem);
  }
}

}  // namespace dynae
