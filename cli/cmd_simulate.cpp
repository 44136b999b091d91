// dynae simulate: trajectories of a test system with known ground truth, and
// what a model sees of them (an observation map or a movie).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>

#include "commands.h"
#include "path_option.h"
#include "number_option.h"
#include "dynae/analysis/helmholtz.h"
#include "dynae/data/npy.h"
#include "dynae/data/table.h"
#include "dynae/errors.h"
#include "dynae/output_plan.h"
#include "dynae/runtime.h"
#include "dynae/simulate/integrator.h"
#include "dynae/simulate/molecular_dynamics.h"
#include "dynae/simulate/molecule.h"
#include "dynae/simulate/movie.h"
#include "dynae/simulate/observation.h"
#include "dynae/simulate/systems.h"
#include "dynae/simulate/transformations.h"

namespace dynae::cli {
namespace {

struct SimulateArgs {
  bool list = false, energy = false, overwrite = false;
  std::string system, expression, scheme = "em", observe = "identity";
  int64_t dim = 0, steps = 0, stride = 0, burn_in = 0, trajectories = 1, obs_dim = 10, frame_size = 32, threads = 1;
  double dt = 0, kT = -1, warp = 1.0, shear = 0.0, nonlinearity = 1.0, noise = 0.0, radius = 0.0;
  uint64_t seed = 0;
  std::vector<std::string> params;
  std::vector<double> start, diffusion, box, radius_range, rotation_centre;
  double rotation = 0;
  CLI::Option* rotation_given = nullptr;
  std::string out_truth, out_obs, out_colvar, out_positions, out_moves;
  CLI::App* command = nullptr;  ///< to ask which flags were given
  // Molecules (OpenMM).
  double temperature = 300, friction = 1;
  std::string solvent = "vacuum", constraints = "hbonds", platform = "Reference";
  int64_t equilibration = 10000;
  // Given on the command line (an explicit value is checked, never replaced by the default).
  CLI::Option *dim_given = nullptr, *steps_given = nullptr, *dt_given = nullptr, *kT_given = nullptr,
              *stride_given = nullptr, *observe_given = nullptr, *temperature_given = nullptr;
  std::vector<CLI::Option*> molecular;  ///< the options only molecules take
  /// Observation options and the --observe maps they apply to.
  std::vector<std::pair<CLI::Option*, std::vector<std::string>>> observation;
};

bool any_given(const std::vector<CLI::Option*>& options) {
  return std::any_of(options.begin(), options.end(), [](const CLI::Option* o) { return o->count() > 0; });
}

/// An observation option given for a map it does not apply to would be
/// ignored without a word: refused, naming the maps it is for.
void check_observation_options(const SimulateArgs& a) {
  for (const auto& [opt, maps] : a.observation) {
    if (!opt->count() || std::find(maps.begin(), maps.end(), a.observe) != maps.end()) continue;
    std::string list;
    for (size_t i = 0; i < maps.size(); ++i) list += (i ? (i + 1 == maps.size() ? " or " : ", ") : "") + maps[i];
    throw ConfigError("simulate: " + opt->get_name() + " applies to --observe " + list + ", not to --observe " +
                      a.observe);
  }
}

void print_list() {
  std::printf("Systems (dynae simulate --system NAME); defaults visit every named state:\n\n");
  for (const auto& s : list_systems()) {
    std::printf("%s  (%s)\n  %s\n", s.name.c_str(), s.dim ? (std::to_string(s.dim) + "-D").c_str() : "--dim N",
                s.description.c_str());
    if (!s.molecule.empty()) {
      std::printf("  defaults: dt %g fs, temperature %g K, stride %lld, steps %lld (%g ns), vacuum, HBond constraints\n",
                  s.dt, s.temperature, static_cast<long long>(s.stride), static_cast<long long>(s.steps),
                  static_cast<double>(s.steps) * s.dt * 1e-6);
      std::printf("  --solvent vacuum|obc2, --temperature K, --friction 1/ps, --constraints hbonds|none, --platform "
                  "Reference|CPU\n");
      std::printf("  --observe heavy_distances (default) | dihedrals | positions; --out-colvar, --out-positions\n");
      std::printf("  OpenMM: %s\n\n", openmm_available() ? openmm_version().c_str() : "not in this build");
      continue;
    }
    if (s.transformations) {
      std::printf("  defaults: %lld frames (--steps), --frame-size 32, --noise 0; --out-moves for the moves\n",
                  static_cast<long long>(s.steps));
      for (const auto& p : s.parameters) std::printf("  --param %s=%g  %s\n", p.name.c_str(), p.value, p.meaning.c_str());
      std::printf("\n");
      continue;
    }
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
      "Observation maps (--observe): identity; warp (x, y) -> (x + s y', y' = y + a x^2) (--warp a, --shear s);\n"
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

/// The files this run writes (numbered per trajectory), checked before any
/// work: none over another, none replacing a file unless --overwrite.
void check_outputs(const SimulateArgs& a, int64_t trajectories) {
  OutputPlan plan("simulate", a.overwrite);
  for (const auto& [flag, path] : std::vector<std::pair<const char*, std::string>>{{"--out-truth", a.out_truth},
                                                                                   {"--out-obs", a.out_obs},
                                                                                   {"--out-colvar", a.out_colvar},
                                                                                   {"--out-positions", a.out_positions},
                                                                                   {"--out-moves", a.out_moves}}) {
    if (path.empty() && std::string(flag) != "--out-truth") continue;
    for (int64_t t = 0; t < trajectories; ++t) plan.file(flag, numbered(path, t, trajectories));
  }
  plan.check();
}

/// Refuses outputs larger than this machine's memory before the simulation.
void check_memory(double bytes, const std::string& what) {
  const double memory = physical_memory_bytes();
  if (memory > 0 && bytes > memory) {
    throw ConfigError("simulate: " + what + " would need " + std::to_string(static_cast<int64_t>(bytes / 1e9)) +
                      " GB, more than this machine's " + std::to_string(static_cast<int64_t>(memory / 1e9)) +
                      " GB of memory; simulate fewer steps, a larger --stride or fewer --trajectories");
  }
}

void print_progress(int64_t done, int64_t total) {
  static auto last = std::chrono::steady_clock::now() - std::chrono::seconds(10);
  const auto now = std::chrono::steady_clock::now();
  if (done < total && now - last < std::chrono::seconds(5)) return;
  last = now;
  std::fprintf(stderr, "\r  %5.1f %% of %lld steps", 100.0 * static_cast<double>(done) / static_cast<double>(total),
               static_cast<long long>(total));
  if (done >= total) std::fprintf(stderr, "\n");
}

/// --system alanine_dipeptide (and any molecule): OpenMM molecular dynamics.
void run_molecule(const SimulateArgs& a, const SystemSpec& spec) {
  if (a.kT_given->count()) {
    throw ConfigError("simulate: --kT does not apply to " + spec.name +
                      ": a molecule's energies are in kJ/mol from its force field, so its temperature is given in "
                      "kelvin; use --temperature K (default " +
                      std::to_string(static_cast<int>(spec.temperature)) + ")");
  }
  for (const auto& [flag, given] : std::vector<std::pair<const char*, bool>>{
           {"--dim", a.dim_given->count() > 0},
           {"--param", !a.params.empty()},
           {"--expr", !a.expression.empty()},
           {"--start", !a.start.empty()},
           {"--diffusion", !a.diffusion.empty()},
           {"--scheme", a.scheme != "em"}}) {
    if (given) throw ConfigError(std::string("simulate: ") + flag + " does not apply to the molecule " + spec.name);
  }
  const Molecule& molecule = find_molecule(spec.molecule);
  const std::string observe = a.observe_given->count() ? a.observe : "heavy_distances";
  molecule_feature_names(molecule, observe);  // an unknown kind fails before the simulation
  MolecularDynamicsOptions o;
  o.molecule = spec.molecule;
  o.solvent = a.solvent;
  o.constraints = a.constraints;
  o.platform = a.platform;
  o.temperature = a.temperature_given->count() ? a.temperature : spec.temperature;
  o.friction = a.friction;
  o.dt = a.dt_given->count() ? a.dt : spec.dt;
  o.steps = a.steps_given->count() ? a.steps : spec.steps;
  o.stride = a.stride_given->count() ? a.stride : spec.stride;
  o.burn_in = a.burn_in;
  o.equilibration = a.equilibration;
  o.trajectories = a.trajectories;
  o.seed = a.seed;
  o.threads = static_cast<int>(a.threads);
  o.validate();
  check_outputs(a, o.trajectories);
  std::printf("simulating %s with OpenMM %s (%s platform): %s\n", spec.name.c_str(), openmm_version().c_str(),
              o.platform.c_str(), molecule.description.c_str());
  std::printf("  %s, %g K, friction %g/ps, dt %g fs, constraints %s, %lld steps (%g ns), stride %lld (%g ps), "
              "equilibration %lld, burn-in %lld, %lld trajectories, seed %llu\n",
              o.solvent.c_str(), o.temperature, o.friction, o.dt, o.constraints.c_str(),
              static_cast<long long>(o.steps), static_cast<double>(o.steps) * o.dt * 1e-6,
              static_cast<long long>(o.stride), static_cast<double>(o.stride) * o.dt * 1e-3,
              static_cast<long long>(o.equilibration), static_cast<long long>(o.burn_in),
              static_cast<long long>(o.trajectories), static_cast<unsigned long long>(o.seed));
  std::fflush(stdout);
  catch_interrupts();
  const MolecularRun run = simulate_molecule(o, print_progress);
  std::printf("  %.1f s: %.0f steps/s, %.1f ns/day per trajectory\n", run.seconds, run.steps_per_second,
              run.ns_per_day);
  const double frame_ps = static_cast<double>(o.stride) * o.dt * 1e-3;
  for (size_t t = 0; t < run.positions.size(); ++t) {
    const Array angles = backbone_dihedrals(run.positions[t], molecule);
    std::vector<double> time(kBasinCount, 0.0), phi(static_cast<size_t>(angles.frames()));
    for (int64_t f = 0; f < angles.frames(); ++f) {
      time[static_cast<int>(ramachandran_basin(angles.at(f, 0), angles.at(f, 1)))] += 1;
      phi[static_cast<size_t>(f)] = angles.at(f, 0);
    }
    std::printf("  trajectory %zu, time in basins:", t);
    for (int b = 0; b < kBasinCount; ++b) {
      std::printf(" %s %.3f", basin_name(static_cast<Basin>(b)), time[b] / std::max<int64_t>(1, angles.frames()));
    }
    const int64_t changes = count_phi_transitions(phi);
    std::printf("; %lld phi sign changes (C7eq/beta <-> C7ax/alpha_L)%s\n", static_cast<long long>(changes),
                changes < 2 ? "  (warning: too few for kinetics; run longer or hotter)" : "");
    write_npy(numbered(a.out_truth, static_cast<int64_t>(t), o.trajectories), angles, NpyDtype::Float64);
    if (!a.out_obs.empty() || !a.out_colvar.empty()) {
      const Array features = molecule_features(run.positions[t], molecule, observe);
      if (!a.out_obs.empty()) {
        write_npy(numbered(a.out_obs, static_cast<int64_t>(t), o.trajectories), features, NpyDtype::Float32);
      }
      if (!a.out_colvar.empty()) {
        write_colvar(numbered(a.out_colvar, static_cast<int64_t>(t), o.trajectories),
                     molecule_feature_names(molecule, observe), features, frame_ps);
      }
    }
    if (!a.out_positions.empty()) {
      write_npy(numbered(a.out_positions, static_cast<int64_t>(t), o.trajectories), run.positions[t],
                NpyDtype::Float32);
    }
  }
  std::printf("  wrote truth (phi, psi) radians %s%s", numbered(a.out_truth, 0, o.trajectories).c_str(),
              o.trajectories > 1 ? " ..." : "");
  if (!a.out_obs.empty()) std::printf(", %s %s", observe.c_str(), numbered(a.out_obs, 0, o.trajectories).c_str());
  if (!a.out_colvar.empty()) std::printf(", COLVAR %s", numbered(a.out_colvar, 0, o.trajectories).c_str());
  if (!a.out_positions.empty()) {
    std::printf(", positions (nm) %s", numbered(a.out_positions, 0, o.trajectories).c_str());
  }
  std::printf("\n");
}

/// --system transformations: a shape moved by one primitive per step, its
/// pose as the truth and its movie as the observation.
void run_transformations(const SimulateArgs& a, const SystemSpec& spec) {
  for (const char* flag : {"--dim", "--expr", "--dt", "--kT", "--stride", "--burn-in", "--start", "--diffusion",
                           "--rotation", "--rotation-centre", "--scheme", "--observe", "--obs-dim", "--warp", "--shear",
                           "--nonlinearity", "--radius", "--box", "--radius-range", "--threads"}) {
    if (a.command->get_option(flag)->count()) {
      throw ConfigError(std::string("simulate: ") + flag + " does not apply to " + spec.name +
                        " (a shape moved by one primitive per step: it takes --steps (frames), --trajectories, "
                        "--frame-size, --noise, --seed and --param translate|rotate|scale=STEP)");
    }
  }
  TransformationOptions o;
  if (a.steps_given->count()) o.frames = a.steps;
  else o.frames = spec.steps;
  o.size = a.frame_size;
  o.noise = a.noise;
  apply_transformation_parameters(o, parse_params(a.params));
  o.validate();
  check_memory(static_cast<double>(a.trajectories) * static_cast<double>(o.frames) *
                   (static_cast<double>(o.size * o.size) * (a.out_obs.empty() ? 0.0 : 8.0) + 64.0),
               "the sequences");
  check_outputs(a, a.trajectories);
  std::printf("simulating %s: %s\n", spec.name.c_str(), spec.description.c_str());
  std::printf("  %lld frames of %lld x %lld pixels, typical steps: translate %g, %g px, rotate %g rad, scale %g (log "
              "radius); pixel noise %g, %lld trajectories, seed %llu\n",
              static_cast<long long>(o.frames), static_cast<long long>(o.size), static_cast<long long>(o.size),
              o.step[0], o.step[1], o.step[2], o.step[3], o.noise, static_cast<long long>(a.trajectories),
              static_cast<unsigned long long>(a.seed));
  o.seed = a.seed;
  const std::vector<TransformationSequence> sequences = simulate_transformations(o, a.trajectories);
  for (int64_t t = 0; t < a.trajectories; ++t) {
    const TransformationSequence& seq = sequences[static_cast<size_t>(t)];
    std::vector<int64_t> counts(transformation_primitive_names().size(), 0);
    for (int64_t m = 0; m < seq.moves.frames(); ++m) ++counts[static_cast<size_t>(seq.moves.at(m, 0))];
    std::printf("  trajectory %lld, transitions per primitive:", static_cast<long long>(t));
    for (size_t k = 0; k < counts.size(); ++k) {
      std::printf(" %s %lld", transformation_primitive_names()[k].c_str(), static_cast<long long>(counts[k]));
    }
    std::printf("\n");
    write_npy(numbered(a.out_truth, t, a.trajectories), seq.pose, NpyDtype::Float64);
    if (!a.out_moves.empty()) write_npy(numbered(a.out_moves, t, a.trajectories), seq.moves, NpyDtype::Float64);
    if (!a.out_obs.empty()) write_npy(numbered(a.out_obs, t, a.trajectories), seq.movie, NpyDtype::Float32);
  }
  std::printf("  wrote truth (x, y, radius, angle) %s%s", numbered(a.out_truth, 0, a.trajectories).c_str(),
              a.trajectories > 1 ? " ..." : "");
  if (!a.out_moves.empty()) {
    std::printf(", moves (primitive 0-3 = translate_x, translate_y, rotate, scale; signed speed) %s",
                numbered(a.out_moves, 0, a.trajectories).c_str());
  }
  if (!a.out_obs.empty()) std::printf(", movie %s", numbered(a.out_obs, 0, a.trajectories).c_str());
  std::printf("\n");
}

void run(const SimulateArgs& a) {
  if (a.list) {
    print_list();
    return;
  }
  if (a.system.empty()) throw ConfigError("simulate: --system is required (see dynae simulate --list)");
  const SystemSpec& spec = find_system(a.system);
  if (a.energy) {
    if (spec.molecule.empty()) throw ConfigError("simulate: --energy is for molecules; " + spec.name + " is not one");
    const double e = molecule_potential_energy(spec.molecule, a.solvent, a.platform);
    std::printf("potential energy of the shipped %s structure (%s, OpenMM %s, %s platform): %.17g kJ/mol\n",
                spec.name.c_str(), a.solvent.c_str(), openmm_version().c_str(), a.platform.c_str(), e);
    return;
  }
  if (a.out_truth.empty()) throw ConfigError("simulate: --out-truth is required (where to write the trajectory)");
  if (spec.transformations) {
    if (any_given(a.molecular)) throw ConfigError("simulate: the molecule options do not apply to " + spec.name);
    run_transformations(a, spec);
    return;
  }
  if (!a.out_moves.empty()) {
    throw ConfigError("simulate: --out-moves is for --system transformations (the primitive and speed of each step); " +
                      spec.name + " has no such moves");
  }
  if (!spec.molecule.empty()) {
    if (a.rotation_given->count() || !a.rotation_centre.empty()) {
      throw ConfigError("simulate: --rotation drives 2-D potential systems; " + spec.name + " is a molecule");
    }
    run_molecule(a, spec);
    return;
  }
  if (any_given(a.molecular)) {
    throw ConfigError("simulate: --temperature, --friction, --solvent, --constraints, --platform, --equilibration, "
                      "--out-colvar, --out-positions and --energy are for molecules (e.g. --system alanine_dipeptide); " +
                      spec.name + " takes --kT");
  }
  if (a.dim_given->count() && (a.dim < 1 || a.dim > 10000)) {
    throw ConfigError("simulate: --dim " + std::to_string(a.dim) + " is invalid: expected an integer from 1 to 10000");
  }
  const std::unique_ptr<Potential> potential =
      make_system_potential(spec.name, a.dim, parse_params(a.params), a.expression);
  const int64_t dim = potential->dim();

  LangevinOptions o = system_langevin_options(spec, dim);
  if (a.dt_given->count()) o.dt = a.dt;
  if (a.kT_given->count()) o.kT = a.kT;
  if (a.stride_given->count()) o.stride = a.stride;
  if (a.steps_given->count()) o.steps = a.steps;
  o.burn_in = a.burn_in;
  o.trajectories = a.trajectories;
  o.seed = a.seed;
  o.scheme = parse_scheme(a.scheme);
  if (!a.start.empty()) o.start = a.start;
  o.diffusion = a.diffusion;
  o.threads = static_cast<int>(a.threads);
  o.rotation = a.rotation;
  if (!a.rotation_centre.empty()) o.rotation_centre = a.rotation_centre;
  if (a.rotation_given->count() && dim != 2) {
    throw ConfigError("simulate: --rotation drives 2-D systems only; " + spec.name + " is " + std::to_string(dim) +
                      "-D here");
  }
  if (!a.rotation_centre.empty() && a.rotation_centre.size() != 2) {
    throw ConfigError("simulate: --rotation-centre takes 2 values (x,y), got " +
                      std::to_string(a.rotation_centre.size()));
  }
  o.validate(dim);

  // Every observation option and output is checked before the simulation.
  const bool movie = a.observe == "spot" || a.observe == "disc";
  MovieOptions m;
  m.size = a.frame_size;
  m.sprite = a.observe;
  m.radius = a.radius;
  m.box = a.box;
  m.radius_range = a.radius_range;
  m.noise = a.noise;
  m.seed = a.seed;
  ObservationOptions ob;
  ob.map = a.observe;
  ob.out_dim = a.obs_dim;
  ob.warp = a.warp;
  ob.shear = a.shear;
  ob.nonlinearity = a.nonlinearity;
  ob.noise = a.noise;
  ob.seed = a.seed;
  check_observation_options(a);
  if (a.out_obs.empty()) {
    if (a.observe_given->count()) throw ConfigError("simulate: --observe " + a.observe + " needs --out-obs");
  } else {
    const double frames = static_cast<double>(o.trajectories) * static_cast<double>(o.steps / o.stride);
    if (movie) {
      m.validate(dim);
      check_memory(m.bytes(frames), "the movie's frames");
    } else {
      ob.validate(dim);
      check_memory(frames * static_cast<double>(ob.map == "embed" ? ob.out_dim : dim) * 8.0, "the observations");
    }
  }
  check_outputs(a, o.trajectories);
  std::printf("simulating %s (%lld-D): V = %s\n", spec.name.c_str(), static_cast<long long>(dim),
              potential->formula().c_str());
  if (o.rotation != 0) {
    std::printf("  driven: + %g J (x - c), J (a, b) = (-b, a), about c = (%g, %g)\n", o.rotation, o.rotation_centre[0],
                o.rotation_centre[1]);
  }
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
  if (a.rotation_given->count()) {
    std::printf("  the drift's rotational fraction (Helmholtz split on the frames' 64 x 64 histogram grid, density "
                "weighted): %.4f\n",
                system_rotational_fraction(*potential, o.rotation, o.rotation_centre, truth));
  }
  for (size_t t = 0; t < truth.size(); ++t) {
    write_npy(numbered(a.out_truth, t, o.trajectories), truth[t], NpyDtype::Float64);
  }
  std::printf("  wrote truth %s%s\n", numbered(a.out_truth, 0, o.trajectories).c_str(),
              o.trajectories > 1 ? " ..." : "");
  if (a.out_obs.empty()) return;

  std::vector<Array> obs;
  if (movie) {
    obs = render_movie(truth, m);
    const std::vector<double> box = movie_box(truth, m);
    std::printf("  movie %lld x %lld, box x [%g, %g], y [%g, %g]\n", static_cast<long long>(m.size),
                static_cast<long long>(m.size), box[0], box[1], box[2], box[3]);
  } else {
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
  a->command = cmd;
  cmd->add_flag("--list", a->list, "describe every system, its defaults, parameters and states");
  cmd->add_option("--system,-s", a->system, "system name (see --list)");
  cmd->add_option("--expr", a->expression, "potential formula in x, y, z for --system expression");
  a->dim_given = add_number(cmd, "--dim", a->dim, "dimension (harmonic, expression)", 1, 10000);
  cmd->add_option("--param", a->params, "system parameter name=value (repeatable), e.g. scale=0.15");
  a->steps_given = add_number(cmd, "--steps", a->steps, "integration steps after burn-in [system default]", 1, kMaxSteps);
  a->dt_given = add_number(cmd, "--dt", a->dt, "time step [system default]; molecules: fs", kPositive, kHuge, "a number > 0");
  a->kT_given = add_number(cmd, "--kT", a->kT, "temperature (energy units) [system default]", 0, kHuge);
  a->stride_given = add_number(cmd, "--stride", a->stride, "save every k-th step [system default]", 1, kMaxSteps);
  add_number(cmd, "--burn-in", a->burn_in, "steps discarded first [0]", 0, kMaxSteps);
  add_number(cmd, "--trajectories", a->trajectories, "independent trajectories; files get _0, _1, ... [1]", 1, 100000);
  add_number(cmd, "--start", a->start, "starting point, comma-separated [system default]", -kHuge, kHuge, "a finite number")->delimiter(',');
  add_number(cmd, "--diffusion", a->diffusion, "constant diffusion matrix, d*d values row-major [identity]", -kHuge, kHuge,
             "a finite number")
      ->delimiter(',');
  a->rotation_given = add_number(
      cmd, "--rotation", a->rotation,
      "2-D systems: add the divergence-free drift omega J (x - c), J (a, b) = (-b, a): driven, out of equilibrium; "
      "prints the drift's rotational fraction [0]",
      -kHuge, kHuge, "a finite angular velocity");
  add_number(cmd, "--rotation-centre", a->rotation_centre,
             "c of --rotation: x,y [the mean of the system's named states, else the origin]", -kHuge, kHuge,
             "a finite number")
      ->delimiter(',');
  cmd->add_option("--scheme", a->scheme, "em (Euler-Maruyama) or lm (Leimkuhler-Matthews) [em]");
  add_number(cmd, "--seed", a->seed, "random seed [0]", 0, kMaxSeed);
  add_number(cmd, "--threads", a->threads, "threads over trajectories [1]; molecules: threads of OpenMM's CPU platform", 1,
             1024);
  a->observe_given = cmd->add_option(
      "--observe", a->observe,
      "identity | warp | embed | spot | disc [identity]; molecules: heavy_distances | dihedrals | positions");
  CLI::Option* obs_dim = add_number(cmd, "--obs-dim", a->obs_dim, "output dimension of embed [10]", 1, 100000);
  CLI::Option* warp = add_number(cmd, "--warp", a->warp, "coefficient a of warp (y + a x^2) [1]", -kHuge, kHuge, "a finite number");
  CLI::Option* shear = add_number(cmd, "--shear", a->shear, "warp: then x + s y (a shear) [0]", -kHuge, kHuge, "a finite number");
  CLI::Option* nonlinearity = add_number(cmd, "--nonlinearity", a->nonlinearity, "strength of embed's tanh part [1]", 0, kHuge);
  add_number(cmd, "--noise", a->noise, "std of Gaussian noise on observations / pixels [0]", 0, kHuge);
  CLI::Option* frame_size = add_number(cmd, "--frame-size", a->frame_size, "movie frame size S (power of two) [32]", 8, 4096,
             "a power of two from 8 to 4096");
  CLI::Option* radius = add_number(cmd, "--radius", a->radius, "spot sigma / disc radius in pixels [S/16]", kPositive, kHuge, "a number > 0 (pixels)");
  CLI::Option* box = add_number(cmd, "--box", a->box, "truth region shown: xmin,xmax,ymin,ymax [data range + margin]", -kHuge, kHuge,
             "a finite number")->delimiter(',');
  CLI::Option* radius_range = add_number(cmd, "--radius-range", a->radius_range, "3-D truth: radius from min,max pixels", kPositive, kHuge,
             "a number > 0 (pixels)")->delimiter(',');
  const std::vector<std::string> movies = {"spot", "disc"};
  a->observation = {{obs_dim, {"embed"}},     {warp, {"warp"}},      {shear, {"warp"}},
                    {nonlinearity, {"embed"}}, {frame_size, movies}, {radius, movies},
                    {box, movies},            {radius_range, movies}};
  cmd->add_option("--out-truth", a->out_truth, "where to write the true coordinates (.npy, float64)")->check(non_empty_path());
  cmd->add_option("--out-obs", a->out_obs, "where to write the observations (.npy, float32)")->check(non_empty_path());
  cmd->add_option("--out-moves", a->out_moves,
                  "--system transformations: each transition's primitive (0-3) and signed speed, (T-1, 2) .npy")
      ->check(non_empty_path());
  cmd->add_flag("--overwrite", a->overwrite, "replace existing output files");
  // Molecules (OpenMM); any of these given for a potential system is an error.
  auto* molecular = cmd->add_option_group("molecules", "molecular dynamics (--system alanine_dipeptide)");
  a->temperature_given = add_number(molecular, "--temperature", a->temperature, "temperature in K [300]", kPositive,
                                    10000, "a number > 0 and <= 10000 (K)");
  a->molecular = {
      a->temperature_given,
      add_number(molecular, "--friction", a->friction, "Langevin collision rate, 1/ps [1]", kPositive, 1e6,
                 "a number > 0 and <= 1e6 (1/ps)"),
      molecular->add_option("--solvent", a->solvent, "vacuum | obc2 (implicit) [vacuum]"),
      molecular->add_option("--constraints", a->constraints, "hbonds | none [hbonds]"),
      molecular->add_option("--platform", a->platform, "OpenMM platform: Reference (double precision, fastest for small molecules) | CPU [Reference]"),
      add_number(molecular, "--equilibration", a->equilibration, "steps after minimisation, not recorded [10000]", 0,
                 kMaxSteps),
      molecular->add_option("--out-colvar", a->out_colvar, "the observed features as a PLUMED COLVAR (time in ps)")
          ->check(non_empty_path()),
      molecular->add_option("--out-positions", a->out_positions, "positions (frames, atoms, 3) in nm (.npy, float32)")
          ->check(non_empty_path()),
      molecular->add_flag("--energy", a->energy,
                          "print the potential energy of the shipped structure (kJ/mol) on --platform and exit")};
  cmd->callback([a] { run(*a); });
}

}  // namespace dynae::cli
