#include "dynae/simulate/molecular_dynamics.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>

#include "dynae/errors.h"
#include "dynae/runtime.h"
#include "dynae/simulate/molecule.h"

#ifdef DYNAE_WITH_OPENMM
#include <openmm/Context.h>
#include <openmm/HarmonicBondForce.h>
#include <openmm/LangevinMiddleIntegrator.h>
#include <openmm/LocalEnergyMinimizer.h>
#include <openmm/Platform.h>
#include <openmm/State.h>
#include <openmm/System.h>
#include <openmm/VerletIntegrator.h>
#include <openmm/serialization/XmlSerializer.h>

#include <cstdlib>
#endif

namespace dynae {
namespace {

[[noreturn]] void bad(const std::string& option, const std::string& value, const std::string& expected) {
  throw ConfigError("molecular dynamics: " + option + " = " + value + " is invalid: expected " + expected);
}

std::string num(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

bool one_of(const std::string& v, std::initializer_list<const char*> allowed) {
  for (const char* a : allowed) {
    if (v == a) return true;
  }
  return false;
}

}  // namespace

void MolecularDynamicsOptions::validate() const {
  const Molecule& m = find_molecule(molecule);
  molecule_system_xml(m, solvent);  // throws for an unknown solvent, listing the shipped ones
  if (!one_of(constraints, {"hbonds", "none"})) bad("constraints", constraints, "hbonds or none");
  if (!one_of(platform, {"CPU", "Reference"})) bad("platform", platform, "CPU or Reference");
  if (!(std::isfinite(temperature) && temperature > 0 && temperature <= 5000)) {
    bad("temperature", num(temperature), "a temperature in kelvin above 0 and at most 5000");
  }
  if (!(std::isfinite(friction) && friction > 0 && friction <= 1e4)) {
    bad("friction", num(friction), "a collision rate in 1/ps above 0 and at most 10000");
  }
  if (!(std::isfinite(dt) && dt > 0)) bad("dt", num(dt), "a positive time step in femtoseconds");
  // Bonds to hydrogen vibrate with a period of about 10 fs: unconstrained, a
  // step must resolve them; constrained, the next fastest motions allow ~3 fs.
  const double max_dt = constraints == "hbonds" ? 3.0 : 1.0;
  if (dt > max_dt) {
    bad("dt", num(dt) + " fs",
        "at most " + num(max_dt) + " fs with constraints " + constraints +
            (constraints == "none" ? " (bonds to hydrogen vibrate in ~10 fs; use --constraints hbonds for up to 3 fs)"
                                   : " (longer steps need hydrogen mass repartitioning, which dynae does not do)"));
  }
  if (steps < 1 || steps > int64_t(1) << 40) bad("steps", std::to_string(steps), "an integer from 1 to 2^40");
  if (stride < 1 || stride > steps) bad("stride", std::to_string(stride), "an integer from 1 to steps");
  if (burn_in < 0) bad("burn_in", std::to_string(burn_in), "0 or more steps");
  if (equilibration < 0) bad("equilibration", std::to_string(equilibration), "0 or more steps");
  if (trajectories < 1 || trajectories > 100000) {
    bad("trajectories", std::to_string(trajectories), "an integer from 1 to 100000");
  }
  if (threads < 1 || threads > 1024) bad("threads", std::to_string(threads), "an integer from 1 to 1024");
  // Memory: positions of every frame, in doubles, plus the float32 copy the caller writes.
  const double bytes = static_cast<double>(trajectories) * static_cast<double>(steps / stride + 1) *
                       static_cast<double>(m.atom_count()) * 3 * 8;
  const double physical = physical_memory_bytes();
  if (physical > 0 && bytes > 0.5 * physical) {
    throw ConfigError("molecular dynamics: " + num(bytes / 1e9) + " GB of positions would not fit in memory (" +
                      num(physical / 1e9) + " GB); raise --stride or lower --steps");
  }
}

#ifdef DYNAE_WITH_OPENMM

namespace {

std::once_flag g_plugins_once;

// Loads OpenMM's plugin platforms (CPU among them) once: from OPENMM_PLUGIN_DIR
// if set, else the directory OpenMM was built to look in.
void load_plugins() {
  std::call_once(g_plugins_once, [] {
    const char* env = std::getenv("OPENMM_PLUGIN_DIR");
    const std::string dir = env && *env ? env : OpenMM::Platform::getDefaultPluginsDirectory();
    try {
      OpenMM::Platform::loadPluginsFromDirectory(dir);
    } catch (const std::exception&) {
      // A missing directory leaves only the Reference platform; platform() says so.
    }
  });
}

OpenMM::Platform& platform(const std::string& name) {
  load_plugins();
  try {
    return OpenMM::Platform::getPlatformByName(name);
  } catch (const std::exception&) {
    std::string known, failures;
    for (int i = 0; i < OpenMM::Platform::getNumPlatforms(); ++i) {
      known += (known.empty() ? "" : ", ") + OpenMM::Platform::getPlatform(i).getName();
    }
    for (const auto& f : OpenMM::Platform::getPluginLoadFailures()) failures += "\n  " + f;
    throw ConfigError("OpenMM platform " + name + " is not available (have: " + known +
                      "); install libopenmm-plugins or set OPENMM_PLUGIN_DIR" +
                      (failures.empty() ? std::string() : "; plugin load failures:" + failures));
  }
}

std::unique_ptr<OpenMM::System> load_system(const Molecule& m, const std::string& solvent) {
  // OpenMM's XML deserialiser is not safe to run in two threads at once (seen
  // here: parameters read wrong, "angle must be between 0 and pi").
  static std::mutex deserialise;
  std::lock_guard<std::mutex> lock(deserialise);
  std::istringstream in(molecule_system_xml(m, solvent));
  std::unique_ptr<OpenMM::System> system(OpenMM::XmlSerializer::deserialize<OpenMM::System>(in));
  if (!system || system->getNumParticles() != m.atom_count()) {
    throw Error("internal: the shipped System of " + m.name + " does not match its structure");
  }
  return system;
}

// Bonds to hydrogen rigid at their force-field length, as OpenMM's
// createSystem(constraints=HBonds) does.
void add_hbond_constraints(OpenMM::System& system) {
  for (int f = 0; f < system.getNumForces(); ++f) {
    auto* bonds = dynamic_cast<OpenMM::HarmonicBondForce*>(&system.getForce(f));
    if (!bonds) continue;
    for (int i = 0; i < bonds->getNumBonds(); ++i) {
      int a = 0, b = 0;
      double length = 0, k = 0;
      bonds->getBondParameters(i, a, b, length, k);
      if (system.getParticleMass(a) < 1.5 || system.getParticleMass(b) < 1.5) system.addConstraint(a, b, length);
    }
  }
}

std::vector<OpenMM::Vec3> vec3(const std::vector<double>& xyz) {
  std::vector<OpenMM::Vec3> v(xyz.size() / 3);
  for (size_t i = 0; i < v.size(); ++i) v[i] = OpenMM::Vec3(xyz[3 * i], xyz[3 * i + 1], xyz[3 * i + 2]);
  return v;
}

// A positive 31-bit seed for OpenMM (whose seed 0 means "pick one at random").
int openmm_seed(uint64_t seed, int64_t trajectory, uint64_t salt) {
  uint64_t z = seed * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(trajectory) * 0xBF58476D1CE4E5B9ULL + salt;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return static_cast<int>(1 + z % 2147483646ULL);
}

/// Steps done over all trajectories, reported to the caller's callback.
struct StepCounter {
  const std::function<void(int64_t, int64_t)>& report;
  int64_t done = 0, total = 0;
  void add(int64_t steps) {
    done += steps;
    if (report) report(done, total);
    if (interrupt_signal()) {
      throw Interrupted("simulation interrupted by signal " + std::to_string(interrupt_signal()) + "; nothing written",
                        interrupt_signal());
    }
  }
};

Array run_trajectory(const MolecularDynamicsOptions& o, const Molecule& m, int64_t index, double& start_energy,
                     StepCounter& counter) {
  std::unique_ptr<OpenMM::System> system = load_system(m, o.solvent);
  if (o.constraints == "hbonds") add_hbond_constraints(*system);
  OpenMM::LangevinMiddleIntegrator integrator(o.temperature, o.friction, o.dt * 1e-3);
  integrator.setRandomNumberSeed(openmm_seed(o.seed, index, 1));
  std::map<std::string, std::string> properties;
  if (o.platform == "CPU") properties["Threads"] = std::to_string(o.threads);
  OpenMM::Context context(*system, integrator, platform(o.platform), properties);
  context.setPositions(vec3(m.start));
  if (o.constraints == "hbonds") context.applyConstraints(1e-6);
  if (o.minimise) OpenMM::LocalEnergyMinimizer::minimize(context, 1.0, 0);
  context.setVelocitiesToTemperature(o.temperature, openmm_seed(o.seed, index, 2));

  constexpr int64_t chunk = 1000;  // steps between progress reports while nothing is recorded
  for (int64_t left = o.equilibration + o.burn_in; left > 0; left -= chunk) {
    const int64_t n = std::min(chunk, left);
    integrator.step(static_cast<int>(n));
    counter.add(n);
  }
  start_energy = context.getState(OpenMM::State::Energy).getPotentialEnergy();
  const int64_t atoms = m.atom_count(), frames = o.steps / o.stride;
  Array positions = Array::zeros({frames, atoms, 3});
  for (int64_t f = 0; f < frames; ++f) {
    integrator.step(static_cast<int>(o.stride));
    const OpenMM::State state = context.getState(OpenMM::State::Positions);
    const std::vector<OpenMM::Vec3>& p = state.getPositions();
    double* out = positions.data.data() + f * atoms * 3;
    for (int64_t i = 0; i < atoms; ++i) {
      for (int k = 0; k < 3; ++k) out[3 * i + k] = p[static_cast<size_t>(i)][k];
    }
    for (int64_t i = 0; i < atoms * 3; ++i) {
      if (!std::isfinite(out[i]) || std::abs(out[i]) > 1e4) {
        std::ostringstream os;
        os << "molecular dynamics of " << m.name << " blew up in trajectory " << index << " at step "
           << (f + 1) * o.stride << " (dt " << o.dt << " fs, " << o.temperature
           << " K): positions are no longer finite; use a shorter --dt or --constraints hbonds";
        throw ConfigError(os.str());
      }
    }
    counter.add(o.stride);
  }
  return positions;
}

}  // namespace

bool openmm_available() { return true; }

std::string openmm_version() { return OpenMM::Platform::getOpenMMVersion(); }

MolecularRun simulate_molecule(const MolecularDynamicsOptions& o,
                               const std::function<void(int64_t, int64_t)>& progress) {
  o.validate();
  const Molecule& m = find_molecule(o.molecule);
  MolecularRun run;
  run.platform = o.platform;
  run.start_energy.assign(static_cast<size_t>(o.trajectories), 0.0);
  // Trajectories run one after another in the calling thread; --threads go to
  // OpenMM's CPU platform. OpenMM is not ours to run in several threads at
  // once: its Reference platform draws Langevin noise from one process-wide
  // generator (re-seeded when a context is made), and concurrent contexts
  // crashed here once.
  StepCounter counter{progress, 0, o.trajectories * (o.equilibration + o.burn_in + o.steps / o.stride * o.stride)};
  const auto t0 = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < o.trajectories; ++i) {
    try {
      run.positions.push_back(run_trajectory(o, m, i, run.start_energy[static_cast<size_t>(i)], counter));
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {  // OpenMMException
      throw Error(std::string("OpenMM: ") + e.what());
    }
  }
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  run.steps_per_second = static_cast<double>(counter.total) / std::max(run.seconds, 1e-9);  // one engine at a time
  run.ns_per_day = run.steps_per_second * o.dt * 1e-6 * 86400.0;
  return run;
}

double molecule_potential_energy(const std::string& molecule, const std::string& solvent, const std::string& pf,
                                 const std::vector<double>& positions) {
  const Molecule& m = find_molecule(molecule);
  if (!one_of(pf, {"CPU", "Reference"})) bad("platform", pf, "CPU or Reference");
  const std::vector<double>& xyz = positions.empty() ? m.start : positions;
  if (static_cast<int64_t>(xyz.size()) != m.atom_count() * 3) {
    throw DataError("positions of " + m.name + " have " + std::to_string(xyz.size()) + " values; expected " +
                    std::to_string(m.atom_count() * 3));
  }
  std::unique_ptr<OpenMM::System> system = load_system(m, solvent);
  OpenMM::VerletIntegrator integrator(1e-3);
  std::map<std::string, std::string> properties;
  if (pf == "CPU") properties["Threads"] = "1";
  OpenMM::Context context(*system, integrator, platform(pf), properties);
  context.setPositions(vec3(xyz));
  return context.getState(OpenMM::State::Energy).getPotentialEnergy();
}

#else  // built without OpenMM

namespace {
[[noreturn]] void no_openmm() {
  throw ConfigError(
      "this dynae was built without OpenMM, which molecular dynamics needs: install libopenmm-dev and "
      "libopenmm-plugins (Debian) and rebuild");
}
}  // namespace

bool openmm_available() { return false; }
std::string openmm_version() { return ""; }
MolecularRun simulate_molecule(const MolecularDynamicsOptions& o, const std::function<void(int64_t, int64_t)>&) {
  o.validate();
  no_openmm();
}
double molecule_potential_energy(const std::string&, const std::string&, const std::string&,
                                 const std::vector<double>&) {
  no_openmm();
}

#endif

}  // namespace dynae
