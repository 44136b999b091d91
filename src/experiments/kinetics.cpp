#include "dynae/experiments/kinetics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>
#include <sstream>

#include "dynae/analysis/discretise.h"
#include "dynae/analysis/plots.h"
#include "dynae/analysis/vamp.h"
#include "dynae/data/npy.h"
#include "dynae/data/trajectory_set.h"
#include "dynae/errors.h"
#include "dynae/runtime.h"
#include "dynae/experiments/run.h"
#include "dynae/atomic_file.h"

namespace dynae {
namespace {

constexpr int64_t kMaxIndicatorStates = 500;  // VAMP-2 of state indicators up to this many states

/// How a continuous trajectory becomes states.
struct Discretiser {
  std::string description;
  bool by_basins = true;
  Landscape landscape;
  Array centers;
  int64_t states = 0;
  std::vector<int64_t> set_of_state;  ///< CK sets: the basin of each state

  std::vector<int64_t> assign(const Array& z) const {
    return by_basins ? assign_basins(landscape, z) : assign_nearest(z, centers);
  }
};

Discretiser make_discretiser(const Array& all, const KineticsOptions& o, const std::string& what) {
  Discretiser d;
  d.landscape = compute_landscape(all, o.landscape);
  if (o.clusters > 0 || o.regspace > 0) {
    d.by_basins = false;
    d.centers = o.clusters > 0 ? kmeans_centers(all, o.clusters, o.its.seed) : regular_space_centers(all, o.regspace);
    d.states = d.centers.frames();
    d.set_of_state = assign_basins(d.landscape, d.centers);
    char buf[160];
    if (o.clusters > 0) {
      std::snprintf(buf, sizeof buf, "k-means, %lld centres on the %s", static_cast<long long>(d.states), what.c_str());
    } else {
      std::snprintf(buf, sizeof buf, "regular space, %lld centres %g apart on the %s", static_cast<long long>(d.states),
                    o.regspace, what.c_str());
    }
    d.description = buf;
  } else {
    d.states = d.landscape.basins();
    d.set_of_state.resize(d.states);
    for (int64_t s = 0; s < d.states; ++s) d.set_of_state[s] = s;
    d.description = std::to_string(d.states) + " free-energy basin" + (d.states == 1 ? "" : "s") + " of the " + what;
  }
  return d;
}

DiscreteTrajectories discretise(const Discretiser& d, const std::vector<Array>& trajs) {
  DiscreteTrajectories out;
  for (const Array& z : trajs) out.push_back(d.assign(z));
  return out;
}

std::string lag_text(int64_t lag) { return "lag " + std::to_string(lag) + " frame" + (lag == 1 ? "" : "s"); }

/// ITS of one source at every lag it can be estimated at.
void estimate_its(KineticsSource& s, const std::vector<int64_t>& lags, const ItsOptions& base) {
  if (s.states < 2) {
    s.notes.push_back("only one state: no process to estimate (use --clusters for a finer discretisation)");
    return;
  }
  ItsOptions o = base;
  o.processes = std::min<int64_t>(base.processes, s.states - 1);
  for (int64_t lag : lags) {
    if (max_transitions(s.dtrajs, lag) == 0) {
      s.notes.push_back(lag_text(lag) + ": left out, no trajectory is longer than the lag");
      continue;
    }
    try {
      ItsEstimate e = implied_timescales(s.dtrajs, s.states, lag, o);
      if (!e.msm.dropped.empty()) {
        char buf[200];
        std::snprintf(buf, sizeof buf, "%s: %zu state(s) outside the largest connected set dropped (%.2f %% of the counts)",
                      lag_text(lag).c_str(), e.msm.dropped.size(), 100 * (1 - e.msm.active_count_fraction));
        s.notes.push_back(buf);
      }
      if (!e.msm.converged) s.notes.push_back(lag_text(lag) + ": the reversible MLE did not reach its tolerance");
      if (e.timescales.empty()) {
        s.notes.push_back(lag_text(lag) + ": left out, one connected state only");
        continue;
      }
      s.its.push_back(std::move(e));
    } catch (const DataError& e) {
      s.notes.push_back(lag_text(lag) + ": left out, " + e.what());
    }
  }
  s.converged_lag = s.its.empty() ? 0 : converged_lag(s.its);
}

/// A source discretised by `d`, with its timescales at every lag.
KineticsSource discretised_source(const std::string& name, const Discretiser& d, const std::vector<Array>& trajs,
                                  const std::vector<int64_t>& lags, const ItsOptions& o) {
  KineticsSource s;
  s.name = name;
  s.states = d.states;
  s.discretisation = d.description;
  s.dtrajs = discretise(d, trajs);
  estimate_its(s, lags, o);
  return s;
}

std::vector<Array> indicators(const DiscreteTrajectories& dtrajs, int64_t states) {
  std::vector<Array> out;
  for (const auto& s : dtrajs) {
    Array a = Array::zeros({static_cast<int64_t>(s.size()), states});
    for (size_t t = 0; t < s.size(); ++t) {
      if (s[t] >= 0) a.data[t * states + s[t]] = 1;
    }
    out.push_back(std::move(a));
  }
  return out;
}

VampRow score_vamp(const std::string& name, const std::vector<Array>& trajs, int64_t lag, double test_fraction,
                   std::vector<std::string>& notes) {
  VampRow r;
  r.name = name;
  r.lag = lag;
  {
    // Covariances of n coordinates from fewer than 10 (n + 1) pairs are noise
    // (3 frames gave VAMP-2 = 2 exactly): no score from them.
    int64_t pairs = 0, n = 0;
    for (const Array& t : trajs) {
      pairs += std::max<int64_t>(0, t.frames() - lag);
      n = t.frame_size();
    }
    if (pairs < 10 * (n + 1)) {
      throw DataError(std::to_string(pairs) + " pairs at lag " + std::to_string(lag) + " are too few for " +
                      std::to_string(n) + " coordinates (at least " + std::to_string(10 * (n + 1)) + ")");
    }
  }
  const VampModel m = fit_vamp(trajs, lag);
  r.features = m.features;
  r.rank = m.rank();
  r.score = m.score();
  r.test_score = std::numeric_limits<double>::quiet_NaN();
  try {
    const auto [train, test] = split_trajectories(trajs, test_fraction);
    r.test_score = vamp2_score(fit_vamp(train, lag), test);
  } catch (const DataError& e) {
    notes.push_back("VAMP-2 of " + name + " on the held-out split: " + e.what());
  }
  return r;
}

std::string number(double v, const char* f = "%.6g") {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (std::isnan(v)) return "n/a";
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

}  // namespace

void KineticsOptions::validate() const {
  auto fail = [](const std::string& m) { throw ConfigError("kinetics: " + m); };
  for (int64_t l : lags) {
    if (l < 1) fail("every lag must be >= 1 frame, got " + std::to_string(l));
  }
  if (its.processes < 1) fail("processes must be >= 1");
  if (its.bootstrap < 0 || its.bootstrap > 100000) fail("bootstrap samples must be from 0 to 100000");
  if (clusters < 0) fail("clusters must be >= 0");
  if (!(regspace >= 0) || !std::isfinite(regspace)) fail("regspace distance must be >= 0");
  if (clusters > 0 && regspace > 0) fail("give --clusters or --regspace, not both");
  if (ck_lag < 0) fail("CK lag must be >= 0 (0 = the converged lag)");
  if (ck_steps < 1 || ck_steps > 1000) fail("CK steps must be from 1 to 1000");
  if (vamp_lag < 0) fail("VAMP lag must be >= 0 (0 = the CK lag)");
  if (!(vamp_test_fraction > 0 && vamp_test_fraction < 1)) fail("VAMP test fraction must be in (0, 1)");
  if (!(dt_frame > 0) || !std::isfinite(dt_frame)) fail("the time of one frame must be a positive number");
  landscape.validate();
}

const KineticsSource* KineticsResult::source(const std::string& name) const {
  for (const auto& s : sources) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

int64_t converged_lag(const std::vector<ItsEstimate>& its, double tolerance) {
  if (its.empty()) return 0;
  for (size_t i = 0; i + 1 < its.size(); ++i) {
    const double a = its[i].timescales[0], b = its[i + 1].timescales[0];
    if (std::isfinite(a) && std::isfinite(b) && a > its[i].lag && b > its[i + 1].lag && std::abs(b - a) <= tolerance * b) {
      return its[i].lag;
    }
  }
  for (size_t i = its.size(); i-- > 0;) {
    if (its[i].timescales[0] > its[i].lag) return its[i].lag;
  }
  return its[0].lag;
}

DiscreteTrajectories load_discrete_trajectories(const std::vector<std::string>& paths) {
  DiscreteTrajectories out;
  for (const auto& path : paths) {
    const Array a = read_npy(path);
    if (!(a.rank() == 1 || (a.rank() == 2 && a.shape[1] == 1))) {
      throw DataError("'" + path + "': discrete trajectory of shape " + a.shape_string() + "; expected (T) or (T, 1) state indices");
    }
    std::vector<int64_t> s(static_cast<size_t>(a.frames()));
    for (int64_t t = 0; t < a.frames(); ++t) {
      const double v = a.data[t];
      if (!(v >= -1 && v == std::floor(v) && v < 9.0e15)) {
        throw DataError("'" + path + "', frame " + std::to_string(t) + ": state " + number(v) +
                        "; expected a whole number >= 0, or -1 for unassigned");
      }
      s[t] = static_cast<int64_t>(v);
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<Array> split_frames(const Array& all, const std::vector<int64_t>& lengths) {
  std::vector<Array> out;
  int64_t off = 0;
  for (int64_t l : lengths) {
    out.push_back(all.slice_frames(off, off + l));
    off += l;
  }
  return out;
}

KineticsResult analyse_kinetics(const KineticsInput& in, const KineticsOptions& options) {
  options.validate();
  if (in.states.empty() == in.latents.empty()) {
    throw ConfigError("kinetics: give either discrete trajectories or latent trajectories (not both, not neither)");
  }
  KineticsResult r;
  r.options = options;
  std::vector<int64_t> lengths;
  for (const auto& s : in.states) lengths.push_back(static_cast<int64_t>(s.size()));
  for (const auto& z : in.latents) lengths.push_back(z.frames());
  // Every further VAMP candidate holds the same trajectories, frame for frame.
  for (const auto& [name, trajs] : in.vamp_candidates) {
    if (trajs.size() != lengths.size()) {
      throw DataError("kinetics: " + name + " gives " + std::to_string(trajs.size()) + " trajectories for " +
                      std::to_string(lengths.size()) + " analysed; expected one per trajectory");
    }
    for (size_t i = 0; i < trajs.size(); ++i) {
      if (trajs[i].frames() != lengths[i]) {
        throw DataError("kinetics: " + name + ", trajectory " + std::to_string(i) + ": " +
                        std::to_string(trajs[i].frames()) + " frames, but the analysed trajectory has " +
                        std::to_string(lengths[i]) + "; expected the same frames");
      }
    }
  }
  r.lags = options.lags.empty() ? default_lags(lengths) : options.lags;
  std::sort(r.lags.begin(), r.lags.end());
  r.lags.erase(std::unique(r.lags.begin(), r.lags.end()), r.lags.end());

  Discretiser main;
  if (!in.states.empty()) {
    KineticsSource first;
    first.name = "states";
    first.dtrajs = in.states;
    first.states = count_states(in.states);
    {
      // Dense n x n matrices (counts, transitions, bootstrap copies) follow
      // from the largest state number: checked before they are allocated.
      const double n = static_cast<double>(first.states), bytes = 8.0 * 8.0 * n * n;
      const double memory = physical_memory_bytes();
      if (memory > 0 && bytes > 0.5 * memory) {
        std::set<int64_t> used;
        for (const auto& d : in.states) {
          for (int64_t v : d) {
            if (v >= 0 && used.size() <= 1000000) used.insert(v);
          }
        }
        throw DataError("kinetics: the largest state number is " + std::to_string(first.states - 1) + ", so the " +
                        "Markov state model's dense " + std::to_string(first.states) + " x " +
                        std::to_string(first.states) + " matrices would need " +
                        std::to_string(static_cast<int64_t>(bytes / 1e9)) + " GB, more than half this machine's " +
                        std::to_string(static_cast<int64_t>(memory / 1e9)) + " GB; the trajectories use " +
                        std::to_string(used.size()) + " distinct states: number them 0 to " +
                        std::to_string(used.size() - 1));
      }
    }
    first.discretisation = "given discrete trajectories, " + std::to_string(first.states) + " states";
    main.states = first.states;
    for (int64_t s = 0; s < first.states; ++s) main.set_of_state.push_back(s);
    estimate_its(first, r.lags, options.its);
    r.sources.push_back(std::move(first));
  } else {
    for (size_t k = 0; k < in.latents.size(); ++k) check_finite(in.latents[k], "latent trajectory " + std::to_string(k));
    main = make_discretiser(Array::concat_frames(in.latents), options, "latent");
    r.sources.push_back(discretised_source("latent", main, in.latents, r.lags, options.its));
  }

  if (!in.truth.empty()) {
    if (in.truth.size() != lengths.size()) {
      throw DataError("kinetics: " + std::to_string(in.truth.size()) + " ground-truth trajectories for " +
                      std::to_string(lengths.size()) + " trajectories");
    }
    for (size_t k = 0; k < in.truth.size(); ++k) {
      if (in.truth[k].frames() != lengths[k]) {
        throw DataError("kinetics: ground truth " + std::to_string(k) + " has " + std::to_string(in.truth[k].frames()) +
                        " frames, its trajectory " + std::to_string(lengths[k]));
      }
      check_finite(in.truth[k], "ground truth " + std::to_string(k));
    }
    KineticsOptions truth_options = options;
    truth_options.landscape.coordinates.clear();
    const Discretiser t = make_discretiser(Array::concat_frames(in.truth), truth_options, "ground truth");
    r.sources.push_back(discretised_source("truth", t, in.truth, r.lags, options.its));
  }

  if (in.model && in.model->has_dynamics() && options.generate && !in.latents.empty()) {
    KineticsSource s;
    s.name = "generated";
    s.states = main.states;
    s.discretisation = main.description + " (the encoded data's)";
    if (in.model->latent_diffusion().size()) {
      s.notes.push_back(options.unit_diffusion ? "run with the prior's unit diffusion (--unit-diffusion)"
                                               : "run with the latent's measured diffusion (the model's "
                                                 "latent_diffusion; --unit-diffusion for the prior's)");
    }
    const int64_t d = in.latents[0].frame_size();
    try {
      for (size_t k = 0; k < in.latents.size(); ++k) {
        const Array& z = in.latents[k];
        const Array start({1, d}, std::vector<double>(z.data.begin(), z.data.begin() + d));
        Array g = in.model->simulate_latent(start, z.frames() - 1, options.its.seed + k, nullptr, options.unit_diffusion);
        g.shape = {z.frames(), d};
        s.dtrajs.push_back(main.assign(g));
      }
      estimate_its(s, r.lags, options.its);
    } catch (const Error& e) {
      s.dtrajs.clear();
      s.notes.push_back(std::string("the learned dynamics could not be run: ") + e.what());
    }
    r.sources.push_back(std::move(s));
  }

  const KineticsSource& lead = r.sources[0];
  const KineticsSource* truth = r.source("truth");
  r.comparison_lag = truth && truth->converged_lag ? truth->converged_lag : lead.converged_lag;
  r.ck_set_of_state = main.set_of_state;
  const int64_t ck_lag = options.ck_lag ? options.ck_lag : lead.converged_lag;
  if (ck_lag > 0 && lead.states >= 2) {
    CkOptions ck;
    ck.steps = options.ck_steps;
    ck.msm = options.its.msm;
    try {
      r.ck = ck_test(lead.dtrajs, lead.states, ck_lag, main.set_of_state, ck);
    } catch (const DataError& e) {
      r.sources[0].notes.push_back(std::string("CK test: ") + e.what());
    }
  }

  const int64_t vamp_lag = options.vamp_lag ? options.vamp_lag : std::max<int64_t>(1, ck_lag);
  std::vector<std::string>& notes = r.sources[0].notes;
  auto vamp = [&](const std::string& name, const std::vector<Array>& trajs) {
    try {
      r.vamp.push_back(score_vamp(name, trajs, vamp_lag, options.vamp_test_fraction, notes));
    } catch (const DataError& e) {
      notes.push_back("VAMP-2 of " + name + ": " + e.what());
    }
  };
  if (!in.latents.empty()) vamp("latent", in.latents);
  if (lead.states <= kMaxIndicatorStates) vamp(lead.name + " (state indicators)", indicators(lead.dtrajs, lead.states));
  if (!in.truth.empty()) vamp("truth", in.truth);
  for (const auto& [name, trajs] : in.vamp_candidates) vamp(name, trajs);
  std::stable_sort(r.vamp.begin(), r.vamp.end(), [](const VampRow& a, const VampRow& b) { return a.score > b.score; });
  return r;
}

std::string kinetics_summary(const KineticsResult& r) {
  const KineticsOptions& o = r.options;
  const double dt = o.dt_frame;
  const std::string& u = o.time_unit;
  std::ostringstream os;
  os << "# Kinetics\n\nTimes in " << u << (u == "frames" ? "" : " (one frame = " + number(dt) + " " + u + ")") << ". Lags: ";
  for (size_t i = 0; i < r.lags.size(); ++i) os << (i ? ", " : "") << r.lags[i];
  os << " frames. " << (o.its.msm.reversible ? "Reversible" : "Non-reversible") << " maximum-likelihood MSMs";
  if (o.its.bootstrap > 0) os << ", " << o.its.bootstrap << " bootstrap samples (95 % intervals)";
  os << ".\n\n";
  for (const auto& s : r.sources) {
    os << "- **" << s.name << "**: " << s.discretisation;
    if (s.converged_lag) os << "; slowest timescale converged at lag " << s.converged_lag << " frames";
    os << "\n";
    for (const auto& n : s.notes) os << "  - " << n << "\n";
  }
  if (r.comparison_lag > 0) {
    os << "\n## Implied timescales at lag " << r.comparison_lag << " frames"
       << (r.source("truth") ? " (where the ground truth's have converged)" : "") << "\n\n| source |";
    int64_t processes = 0;
    for (const auto& s : r.sources) {
      for (const auto& e : s.its) processes = std::max<int64_t>(processes, static_cast<int64_t>(e.timescales.size()));
    }
    for (int64_t p = 1; p <= processes; ++p) os << " t" << p << " |";
    os << "\n|---|";
    for (int64_t p = 1; p <= processes; ++p) os << "---|";
    os << "\n";
    for (const auto& s : r.sources) {
      const auto it = std::find_if(s.its.begin(), s.its.end(), [&](const ItsEstimate& e) { return e.lag == r.comparison_lag; });
      if (it == s.its.end()) continue;
      os << "| " << s.name << " |";
      for (int64_t p = 0; p < processes; ++p) {
        if (p >= static_cast<int64_t>(it->timescales.size())) {
          os << " |";
          continue;
        }
        os << " " << number(it->timescales[p] * dt, "%.4g");
        if (o.its.bootstrap > 0) os << " [" << number(it->lower[p] * dt, "%.4g") << ", " << number(it->upper[p] * dt, "%.4g") << "]";
        os << " |";
      }
      os << "\n";
    }
  }
  if (!r.ck.multiples.empty()) {
    os << "\n## Chapman-Kolmogorov test\n\nAt lag " << r.ck.lag << " frames, " << r.ck.sets << " sets, k = 1.."
       << r.ck.multiples.back() << ": max |predicted - estimated| = **" << number(r.ck.max_deviation, "%.4f") << "**\n";
  }
  if (!r.vamp.empty()) {
    os << "\n## VAMP-2 scores at lag " << r.vamp[0].lag << " frames\n\n"
       << "Mean-free features, covariance eigenvalues below 1e-10 of the largest dropped; the constant function counts 1. "
          "Held-out: singular functions fitted on "
       << number(100 * (1 - o.vamp_test_fraction), "%.0f") << " % of the data, scored on the rest.\n\n"
       << "| feature set | features | VAMP-2 | VAMP-2 held out |\n|---|---|---|---|\n";
    for (const auto& v : r.vamp) {
      os << "| " << v.name << " | " << v.features << " | " << number(v.score, "%.4f") << " | " << number(v.test_score, "%.4f")
         << " |\n";
    }
  }
  return os.str();
}

std::vector<std::string> kinetics_output_names() {
  return {"its.csv", "ck.csv", "vamp2.csv", "msm_T_lag*.npy", "msm_active_lag*.npy", "stationary.npy", "dtraj_*.npy",
          "kinetics.md", "its.png", "its.svg", "ck.png", "ck.svg"};
}

void write_kinetics(const std::string& dir, const KineticsResult& r) {
  make_directories(dir);
  const double dt = r.options.dt_frame;
  std::ostringstream its;
  its << "source,lag_frames,lag,process,timescale,lower,upper,active_states,states\n";
  for (const auto& s : r.sources) {
    for (const auto& e : s.its) {
      for (size_t p = 0; p < e.timescales.size(); ++p) {
        its << s.name << "," << e.lag << "," << number(e.lag * dt) << "," << p + 1 << "," << number(e.timescales[p] * dt) << ","
            << number(e.lower[p] * dt) << "," << number(e.upper[p] * dt) << "," << e.msm.active_states() << "," << s.states
            << "\n";
      }
    }
  }
  write_text_atomically(dir + "/its.csv", its.str());
  std::ostringstream ck;
  ck << "k,lag_frames,lag,from_set,to_set,predicted,estimated\n";
  for (size_t k = 0; k < r.ck.multiples.size(); ++k) {
    const int64_t m = r.ck.multiples[k];
    for (int64_t a = 0; a < r.ck.sets; ++a) {
      for (int64_t b = 0; b < r.ck.sets; ++b) {
        ck << m << "," << m * r.ck.lag << "," << number(m * r.ck.lag * dt) << "," << r.ck.set_ids[a] << "," << r.ck.set_ids[b] << ","
           << number(r.ck.at_predicted(k, a, b)) << "," << number(r.ck.at_estimated(k, a, b)) << "\n";
      }
    }
  }
  write_text_atomically(dir + "/ck.csv", ck.str());
  std::ostringstream vamp;
  vamp << "feature_set,features,lag_frames,lag,rank,vamp2,vamp2_test\n";
  for (const auto& v : r.vamp) {
    vamp << '"' << v.name << "\"," << v.features << "," << v.lag << "," << number(v.lag * dt) << "," << v.rank << ","
         << number(v.score) << "," << number(v.test_score) << "\n";
  }
  write_text_atomically(dir + "/vamp2.csv", vamp.str());
  const KineticsSource& lead = r.sources[0];
  for (const auto& e : lead.its) {
    const std::string l = std::to_string(e.lag);
    write_npy(dir + "/msm_T_lag" + l + ".npy", e.msm.transition, NpyDtype::Float64);
    write_npy(dir + "/msm_active_lag" + l + ".npy",
              Array({e.msm.active_states()}, std::vector<double>(e.msm.active.begin(), e.msm.active.end())), NpyDtype::Int64);
    if (e.lag == r.ck.lag) {
      std::vector<double> pi(static_cast<size_t>(lead.states), 0.0);
      for (int64_t a = 0; a < e.msm.active_states(); ++a) pi[e.msm.active[a]] = e.msm.stationary[a];
      write_npy(dir + "/stationary.npy", Array({lead.states}, pi), NpyDtype::Float64);
    }
  }
  for (const auto& s : r.sources) {
    if (s.name == "states") continue;  // the user's own input
    for (size_t k = 0; k < s.dtrajs.size(); ++k) {
      write_npy(dir + "/dtraj_" + s.name + std::to_string(k) + ".npy",
                Array({static_cast<int64_t>(s.dtrajs[k].size())}, std::vector<double>(s.dtrajs[k].begin(), s.dtrajs[k].end())),
                NpyDtype::Int64);
    }
  }
  std::vector<TimescaleCurve> curves;
  for (const auto& s : r.sources) {
    size_t processes = 0;
    for (const auto& e : s.its) processes = std::max(processes, e.timescales.size());
    for (size_t p = 0; p < processes; ++p) {
      TimescaleCurve c;
      c.label = s.name + " t" + std::to_string(p + 1);
      c.process = static_cast<int64_t>(p);
      c.style = &s - &r.sources[0];
      for (const auto& e : s.its) {
        if (p >= e.timescales.size() || !std::isfinite(e.timescales[p]) || e.timescales[p] <= 0) continue;
        c.lag.push_back(e.lag * dt);
        c.timescale.push_back(e.timescales[p] * dt);
        c.lower.push_back(std::isfinite(e.lower[p]) && e.lower[p] > 0 ? e.lower[p] * dt : e.timescales[p] * dt);
        c.upper.push_back(std::isfinite(e.upper[p]) ? e.upper[p] * dt : e.timescales[p] * dt);
      }
      if (!c.lag.empty()) curves.push_back(std::move(c));
    }
  }
  if (!curves.empty()) plot_implied_timescales(curves, r.options.time_unit, dir + "/its");
  if (!r.ck.multiples.empty()) plot_ck_test(r.ck, dt, r.options.time_unit, dir + "/ck");
  write_text_atomically(dir + "/kinetics.md", kinetics_summary(r));
}

}  // namespace dynae
