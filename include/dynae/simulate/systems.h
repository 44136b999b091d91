#pragma once
// The field's standard test systems (SYSTEMS.md) by name, with the settings at
// which every named metastable state is visited.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dynae/array.h"
#include "dynae/simulate/integrator.h"
#include "dynae/simulate/potential.h"

namespace dynae {

/// A named metastable state: frames within `radius` of `center` belong to it.
struct MetastableState {
  std::string name;
  std::vector<double> center;
  double radius = 0;
};

/// A system-specific parameter (e.g. Mueller-Brown's energy scale).
struct SystemParameter {
  std::string name;
  double value = 0;  ///< default
  std::string meaning;
};

struct SystemSpec {
  std::string name;
  std::string description;
  int64_t dim = 0;  ///< 0: chosen by the user (harmonic, expression)
  // Documented defaults: at these, a simulation of `steps` steps visits every state.
  double dt = 1e-3;
  double kT = 1.0;
  int64_t stride = 1;
  int64_t steps = 100000;
  std::vector<double> start;
  std::vector<MetastableState> states;
  std::vector<SystemParameter> parameters;
  /// Not empty: a molecule (molecule.h) simulated by OpenMM; dt is then in fs,
  /// the temperature in kelvin (`temperature`), and the truth is (phi, psi).
  std::string molecule;
  double temperature = 0;  ///< K, molecules only
  /// A shape in a movie moved by one transformation primitive per step
  /// (transformations.h): `steps` is then the frames, the truth its pose.
  bool transformations = false;
};

/// Every built-in system (and "expression"), in the order --list shows them.
const std::vector<SystemSpec>& list_systems();
/// The spec of `name` (case-insensitive; '-' and '_' are the same); throws
/// ConfigError listing the known names.
const SystemSpec& find_system(const std::string& name);

/// Builds the potential of `name` with parameter overrides (names from the
/// spec's parameters; unknown names or bad values throw ConfigError). `dim`
/// is used by systems of free dimension (harmonic) and checked against fixed
/// ones (0 = the system's own). For "expression", `expression` is the formula.
std::unique_ptr<Potential> make_system_potential(const std::string& name, int64_t dim = 0,
                                                 const std::map<std::string, double>& parameters = {},
                                                 const std::string& expression = "");

/// The integration a system is simulated with unless told otherwise: its
/// spec's dt, kT, stride, steps and start (the origin when it has none), and
/// as the centre of a driving rotation the mean of its named states' centres
/// (2-D systems with states). `dim` is the potential's.
LangevinOptions system_langevin_options(const SystemSpec& spec, int64_t dim);

/// Fraction of frames of a (T, dim) trajectory (row-major) within each state's
/// radius, in the order of `states`.
std::vector<double> state_occupancy(const Values& frames, int64_t dim,
                                    const std::vector<MetastableState>& states);

}  // namespace dynae
