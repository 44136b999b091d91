// dynae simulate: trajectories of a test system with known ground truth, and
// what a model sees of them (an observation map or a movie).
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>

#include "commands.h"
#include "dynae/data/npy.h"
#include "dynae/errors.h"
#include "dynae/simulate/integrator.h"
#include "dynae/simulate/movie.h"
#include "dynae/simulate/observation.h"
#include "dynae/simulate/systems.h"

namespace dynae::cli {
namespace {

struct SimulateArgs {
  bool list = false;
  std::string system, expression, scheme = "em", observe = "identity";
  int64_t dim = 0, steps = 0, stride = 0, burn_in = 0, trajectories = 1, obs_dim = 10, frame_size = 32, threads = 1;
  double dt = 0, kT = -1, warp = 1.0, nonlinearity = 1.0, noise = 0.0, radius = 0.0;
  uint64_t seed = 0;
  std::vector<std::string> params;
  std::vector<double> start, diffusion, box, radius_range;
  std::string out_truth, out_obs;
  // Given on the command line (an explicit value is checked, never replaced by the default).
  CLI::Option *dim_given = nullptr, *steps_given = nullptr, *dt_given = nullptr, *kT_given = nullptr,
              *stride_given = nullptr;
};

void print_list() {
  std::printf("Systems (dynae simulate --system NAME); defaults visit every named state:\n\n");
  for (const auto& s : list_systems()) {
    std::printf("%s  (%s)\n  %s\n", s.name.c_str(), s.dim ? (std::to_string(s.dim) + "-D").c_str() : "--dim N",
                s.description.c_str());
    std::printf("  defaults: dt %g, kT %g, stride %lld, steps %lld", s.dt, s.kT, static_cast<long long>(s.stride),
                static_cast<long long>(s.steps));
    if (!s.start.empty()) {
      std::printf(", start (");
      for (size_t i = 0; i < s.start.size(); ++i) std::printf("%s%g", i ? ", " : "", s.start[i]);
      std::printf(")");
    }
    std::printf("\n");
    for (const auto& p : s.parameters) {
      std::printf("  --param %s=%g  %s\n", p.name.c_str(), p.value, p.meaning.c_str());
    }
    if (!s.states.empty()) {
      std::printf("  states:");
      for (const auto& st : s.states) {
        std::printf(" %s", st.name.c_str());
        if (!st.center.empty()) {
          std::printf(" (");
          for (size_t i = 0; i < st.center.size(); ++i) std::printf("%s%g", i ? ", " : "", st.center[i]);
          std::printf(")");
        }
      }
      std::printf("\n");
    }
    std::printf("\n");
  }
  std::printf(
      "Observation maps (--observe): identity; warp (x, y) -> (x, y + a x^2) (--warp a);\n"
      "embed, a random smooth injective map into --obs-dim dimensions (--nonlinearity, seeded);\n"
      "spot or disc, a movie (T, 1, S, S) float32 of a Gaussian spot or a disc (--frame-size S, --radius,\n"
      "--box, --radius-range for 3-D truth). --noise adds Gaussian noise to every observed value.\n");
}

std::map<std::string, double> parse_params(const std::vector<std::string>& items) {
  std::map<std::string, double> out;
  for (const auto& item : items) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw ConfigError("--param '" + item + "' is invalid: expected name=value, e.g. --param scale=0.15");
    }
    const std::string name = item.substr(0, eq), value = item.substr(eq + 1);
    size_t pos = 0;
    double v = 0;
    try {
      v = std::stod(value, &pos);
    } catch (const std::exception&) {
      pos = 0;
    }
    if (value.empty() || pos != value.size()) {
      throw ConfigError("--param " + name + " = '" + value + "' is not a number");
    }
    out[name] = v;
  }
  return out;
}

/// "obs.npy" with 3 trajectories -> obs_0.npy, obs_1.npy, obs_2.npy.
std::string numbered(const std::string& path, int64_t i, int64_t n) {
  if (n == 1) return path;
  const auto dot = path.rfind(".npy");
  const std::string stem = dot == std::string::npos ? path : path.substr(0, dot);
  return stem + "_" + std::to_string(i) + ".npy";
}

void run(const SimulateArgs& a) {
  if (a.list) {
    print_list();
    return;
  }
  if (a.system.empty()) throw ConfigError("simulate: --system is required (see dynae simulate --list)");
  if (a.out_truth.empty()) throw ConfigError("simulate: --out-truth is required (where to write the trajectory)");
  if (!a.out_obs.empty() && a.out_obs == a.out_truth) {
    throw ConfigError("simulate: --out-obs and --out-truth are the same file '" + a.out_truth +
                      "'; the observations would replace the truth");
  }
  if (a.dim_given->count() && (a.dim < 1 || a.dim > 10000)) {
    throw ConfigError("simulate: --dim " + std::to_string(a.dim) + " is invalid: expected an integer from 1 to 10000");
  }
  const SystemSpec& spec = find_system(a.system);
  const std::unique_ptr<Potential> potential =
      make_system_potential(spec.name, a.dim, parse_params(a.params), a.expression);
  const int64_t dim = potential->dim();

  LangevinOptions o;
  o.dt = a.dt_given->count() ? a.dt : spec.dt;
  o.kT = a.kT_given->count() ? a.kT : spec.kT;
  o.stride = a.stride_given->count() ? a.stride : spec.stride;
  o.steps = a.steps_given->count() ? a.steps : spec.steps;
  o.burn_in = a.burn_in;
  o.trajectories = a.trajectories;
  o.seed = a.seed;
  o.scheme = parse_scheme(a.scheme);
  o.start = !a.start.empty() ? a.start : spec.start;
  if (o.start.empty()) o.start.assign(static_cast<size_t>(dim), 0.0);
  o.diffusion = a.diffusion;
  o.threads = static_cast<int>(a.threads);
  o.validate(dim);

  const bool movie = a.observe == "spot" || a.observe == "disc";
  if (!a.out_obs.empty() || movie) {
    // Check observation options before spending time on the simulation.
    if (a.out_obs.empty()) throw ConfigError("simulate: --observe " + a.observe + " needs --out-obs");
  }
  std::printf("simulating %s (%lld-D): V = %s\n", spec.name.c_str(), static_cast<long long>(dim),
              potential->formula().c_str());
  std::printf("  %s, dt %g, kT %g, %lld steps, stride %lld, burn-in %lld, %lld trajectories, seed %llu\n",
              scheme_name(o.scheme).c_str(), o.dt, o.kT, static_cast<long long>(o.steps),
              static_cast<long long>(o.stride), static_cast<long long>(o.burn_in),
              static_cast<long long>(o.trajectories), static_cast<unsigned long long>(o.seed));
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<Array> truth = simulate_langevin(*potential, o);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double steps_total = static_cast<double>(o.steps + o.burn_in) * static_cast<double>(o.trajectories);
  std::printf("  %lld frames per trajectory in %.2f s (%.1f million steps/s)\n",
              static_cast<long long>(truth[0].frames()), secs, steps_total / std::max(secs, 1e-9) / 1e6);
  if (!spec.states.empty() &&
      (spec.dim != 0 || dim == static_cast<int64_t>(spec.states[0].center.size()) || spec.states[0].center.empty())) {
    for (size_t t = 0; t < truth.size(); ++t) {
      const std::vector<double> occ = state_occupancy(truth[t].data, dim, spec.states);
      std::printf("  trajectory %zu, time in states:", t);
      bool missed = false;
      for (size_t s = 0; s < occ.size(); ++s) {
        std::printf(" %s %.3f", spec.states[s].name.c_str(), occ[s]);
        missed = missed || occ[s] == 0;
      }
      std::printf("%s\n", missed ? "  (warning: a state was never visited; run longer or raise kT)" : "");
    }
  }
  for (size_t t = 0; t < truth.size(); ++t) {
    write_npy(numbered(a.out_truth, t, o.trajectories), truth[t], NpyDtype::Float64);
  }
  std::printf("  wrote truth %s%s\n", numbered(a.out_truth, 0, o.trajectories).c_str(),
              o.trajectories > 1 ? " ..." : "");
  if (a.out_obs.empty()) return;

  std::vector<Array> obs;
  if (movie) {
    MovieOptions m;
    m.size = a.frame_size;
    m.sprite = a.observe;
    m.radius = a.radius;
    m.box = a.box;
    m.radius_range = a.radius_range;
    m.noise = a.noise;
    m.seed = a.seed;
    obs = render_movie(truth, m);
    const std::vector<double> box = movie_box(truth, m);
    std::printf("  movie %lld x %lld, box x [%g, %g], y [%g, %g]\n", static_cast<long long>(m.size),
                static_cast<long long>(m.size), box[0], box[1], box[2], box[3]);
  } else {
    ObservationOptions ob;
    ob.map = a.observe;
    ob.out_dim = a.obs_dim;
    ob.warp = a.warp;
    ob.nonlinearity = a.nonlinearity;
    ob.noise = a.noise;
    ob.seed = a.seed;
    obs = observe(truth, ob);
  }
  for (size_t t = 0; t < obs.size(); ++t) write_npy(numbered(a.out_obs, t, o.trajectories), obs[t], NpyDtype::Float32);
  std::printf("  wrote observations %s%s, shape %s\n", numbered(a.out_obs, 0, o.trajectories).c_str(),
              o.trajectories > 1 ? " ..." : "", obs[0].shape_string().c_str());
}

}  // namespace

void add_simulate_command(CLI::App& app) {
  auto a = std::make_shared<SimulateArgs>();
  CLI::App* cmd = app.add_subcommand("simulate", "simulate a test system with known slow coordinates (and movies)");
  cmd->add_flag("--list", a->list, "describe every system, its defaults, parameters and states");
  cmd->add_option("--system,-s", a->system, "system name (see --list)");
  cmd->add_option("--expr", a->expression, "potential formula in x, y, z for --system expression");
  a->dim_given = cmd->add_option("--dim", a->dim, "dimension (harmonic, expression), 1 to 10000");
  cmd->add_option("--param", a->params, "system parameter name=value (repeatable), e.g. scale=0.15");
  a->steps_given = cmd->add_option("--steps", a->steps, "integration steps after burn-in [system default]");
  a->dt_given = cmd->add_option("--dt", a->dt, "time step [system default]");
  a->kT_given = cmd->add_option("--kT", a->kT, "temperature (energy units) [system default]");
  a->stride_given = cmd->add_option("--stride", a->stride, "save every k-th step [system default]");
  cmd->add_option("--burn-in", a->burn_in, "steps discarded first [0]");
  cmd->add_option("--trajectories", a->trajectories, "independent trajectories; files get _0, _1, ... [1]");
  cmd->add_option("--start", a->start, "starting point, comma-separated [system default]")->delimiter(',');
  cmd->add_option("--diffusion", a->diffusion, "constant diffusion matrix, d*d values row-major [identity]")
      ->delimiter(',');
  cmd->add_option("--scheme", a->scheme, "em (Euler-Maruyama) or lm (Leimkuhler-Matthews) [em]");
  cmd->add_option("--seed", a->seed, "random seed [0]")->check(CLI::NonNegativeNumber);
  cmd->add_option("--threads", a->threads, "threads over trajectories [1]")->check(CLI::PositiveNumber);
  cmd->add_option("--observe", a->observe, "identity | warp | embed | spot | disc [identity]");
  cmd->add_option("--obs-dim", a->obs_dim, "output dimension of embed [10]");
  cmd->add_option("--warp", a->warp, "coefficient a of warp (y + a x^2) [1]");
  cmd->add_option("--nonlinearity", a->nonlinearity, "strength of embed's tanh part [1]");
  cmd->add_option("--noise", a->noise, "std of Gaussian noise on observations / pixels [0]");
  cmd->add_option("--frame-size", a->frame_size, "movie frame size S (power of two) [32]");
  cmd->add_option("--radius", a->radius, "spot sigma / disc radius in pixels [S/16]");
  cmd->add_option("--box", a->box, "truth region shown: xmin,xmax,ymin,ymax [data range + margin]")->delimiter(',');
  cmd->add_option("--radius-range", a->radius_range, "3-D truth: radius from min,max pixels")->delimiter(',');
  cmd->add_option("--out-truth", a->out_truth, "where to write the true coordinates (.npy, float64)");
  cmd->add_option("--out-obs", a->out_obs, "where to write the observations (.npy, float32)");
  cmd->callback([a] { run(*a); });
}

}  // namespace dynae::cli
