// The simulators: the built-in potential systems (overdamped Langevin) and
// the shipped molecules (OpenMM, where built), arrays out.
#include <map>
#include <optional>

#include "common.h"
#include "dynae/errors.h"
#include "dynae/simulate/integrator.h"
#include "dynae/simulate/molecular_dynamics.h"
#include "dynae/simulate/molecule.h"
#include "dynae/simulate/systems.h"
#include "dynae/simulate/transformations.h"

namespace dynae::python {

namespace {

py::object one_or_list(std::vector<Array> arrays) {
  if (arrays.size() == 1) return to_numpy(std::move(arrays[0]));
  py::list out;
  for (Array& a : arrays) out.append(to_numpy(std::move(a)));
  return out;
}

/// A shipped molecule through OpenMM: positions, (phi, psi) and features.
py::dict simulate_molecule_system(const SystemSpec& spec, std::optional<int64_t> steps, uint64_t seed,
                                  std::optional<double> dt, std::optional<int64_t> stride, int64_t trajectories,
                                  int64_t burn_in, const std::string& features, std::optional<double> temperature,
                                  const std::string& solvent, const std::string& platform) {
  MolecularDynamicsOptions o;
  o.molecule = spec.molecule;
  o.temperature = temperature.value_or(spec.temperature);
  o.dt = dt.value_or(spec.dt);
  o.steps = steps.value_or(spec.steps);
  o.stride = stride.value_or(spec.stride);
  o.burn_in = burn_in;
  o.trajectories = trajectories;
  o.seed = seed;
  o.solvent = solvent;
  o.platform = platform;
  o.validate();
  const Molecule& molecule = find_molecule(spec.molecule);
  molecule_feature_names(molecule, features);  // an unknown kind: before the simulation
  MolecularRun run;
  {
    py::gil_scoped_release release;
    run = simulate_molecule(o);
  }
  std::vector<Array> dihedrals, feats;
  for (const Array& p : run.positions) {
    dihedrals.push_back(backbone_dihedrals(p, molecule));
    feats.push_back(molecule_features(p, molecule, features));
  }
  py::dict d;
  d["phi_psi"] = one_or_list(dihedrals);
  d["features"] = one_or_list(feats);
  d["feature_names"] = molecule_feature_names(molecule, features);
  d["positions"] = one_or_list(run.positions);
  d["platform"] = run.platform;
  d["ns_per_day"] = run.ns_per_day;
  return d;
}

}  // namespace

void register_simulate(py::module_& m) {
  m.def("systems", [] {
    py::list rows;
    for (const SystemSpec& s : list_systems()) {
      py::dict d;
      d["name"] = s.name;
      d["description"] = s.description;
      d["dim"] = s.dim;
      d["dt"] = s.dt;
      d["kT"] = s.kT;
      d["steps"] = s.steps;
      d["stride"] = s.stride;
      d["molecule"] = s.molecule;
      py::dict params;
      for (const auto& p : s.parameters) params[py::str(p.name)] = p.value;
      d["parameters"] = params;
      rows.append(d);
    }
    return rows;
  });
  m.def(
      "simulate",
      [](const std::string& system, std::optional<int64_t> steps, uint64_t seed, std::optional<double> dt,
         std::optional<double> kT, std::optional<int64_t> stride, int64_t trajectories, int64_t burn_in, int64_t dim,
         const std::map<std::string, double>& parameters, const std::string& expression,
         std::vector<double> start, const std::string& scheme, double rotation, int threads,
         const std::string& features, std::optional<double> temperature, const std::string& solvent,
         const std::string& platform, int64_t frame_size, double noise) -> py::object {
        const SystemSpec& spec = find_system(system);
        if (spec.transformations) {
          if (dt || kT || stride || burn_in || dim || !expression.empty() || !start.empty() || rotation != 0 ||
              temperature) {
            throw ConfigError(spec.name + " moves a shape by transformation primitives: it takes steps (frames), seed, "
                              "trajectories, parameters (translate, rotate, scale), frame_size and noise");
          }
          TransformationOptions o;
          o.frames = steps ? *steps : spec.steps;
          o.size = frame_size;
          o.noise = noise;
          o.seed = seed;
          apply_transformation_parameters(o, parameters);
          o.validate();
          std::vector<Array> pose, moves, movie;
          {
            py::gil_scoped_release release;
            for (TransformationSequence& seq : simulate_transformations(o, trajectories)) {
              pose.push_back(std::move(seq.pose));
              moves.push_back(std::move(seq.moves));
              movie.push_back(std::move(seq.movie));
            }
          }
          py::dict d;
          d["pose"] = one_or_list(std::move(pose));
          d["moves"] = one_or_list(std::move(moves));
          d["movie"] = one_or_list(std::move(movie));
          d["primitives"] = transformation_primitive_names();
          return d;
        }
        if (!spec.molecule.empty()) {
          if (kT || dim || !parameters.empty() || !expression.empty() || !start.empty() || rotation != 0) {
            throw ConfigError(spec.name + " is a molecule (OpenMM): it takes steps, seed, dt (fs), stride, "
                              "trajectories, burn_in, temperature (K), solvent, platform and features");
          }
          return simulate_molecule_system(spec, steps, seed, dt, stride, trajectories, burn_in, features,
                                          temperature, solvent, platform);
        }
        if (temperature) throw ConfigError(spec.name + " takes kT, not temperature (a molecule's, in kelvin)");
        if (dim < 0 || dim > 10000) throw ConfigError("dim = " + std::to_string(dim) + ": expected 0 (the system's own) to 10000");
        const auto potential = make_system_potential(spec.name, dim, parameters, expression);
        LangevinOptions o = system_langevin_options(spec, potential->dim());
        if (steps) o.steps = *steps;
        if (dt) o.dt = *dt;
        if (kT) o.kT = *kT;
        if (stride) o.stride = *stride;
        if (!start.empty()) o.start = std::move(start);
        o.burn_in = burn_in;
        o.trajectories = trajectories;
        o.seed = seed;
        o.scheme = parse_scheme(scheme);
        o.rotation = rotation;
        if (rotation != 0 && potential->dim() != 2) throw ConfigError("rotation drives 2-D systems only");
        o.threads = threads;
        o.validate(potential->dim());
        std::vector<Array> out;
        {
          py::gil_scoped_release release;
          out = simulate_langevin(*potential, o);
        }
        return one_or_list(std::move(out));
      },
      py::arg("system"), py::arg("steps") = py::none(), py::arg("seed") = 0, py::arg("dt") = py::none(),
      py::arg("kT") = py::none(), py::arg("stride") = py::none(), py::arg("trajectories") = 1, py::arg("burn_in") = 0,
      py::arg("dim") = 0, py::arg("parameters") = std::map<std::string, double>{}, py::arg("expression") = "",
      py::arg("start") = std::vector<double>{}, py::arg("scheme") = "em", py::arg("rotation") = 0.0,
      py::arg("threads") = 1, py::arg("features") = "heavy_distances", py::arg("temperature") = py::none(),
      py::arg("solvent") = "vacuum", py::arg("platform") = "Reference", py::arg("frame_size") = 32,
      py::arg("noise") = 0.0);
  m.def("openmm_available", &openmm_available);
}

}  // namespace dynae::python
