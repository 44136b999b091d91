#pragma once
// Molecular dynamics of a shipped molecule through OpenMM's C++ API: Langevin
// (LangevinMiddleIntegrator), optional HBond constraints, vacuum or implicit
// solvent. Builds without OpenMM too: openmm_available() is then false and
// every call throws ConfigError saying how to get it.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dynae/array.h"

namespace dynae {

struct MolecularDynamicsOptions {
  std::string molecule = "alanine_dipeptide";
  std::string solvent = "vacuum";      ///< a shipped System: vacuum | obc2
  std::string constraints = "hbonds";  ///< hbonds (bonds to hydrogen rigid) | none
  /// OpenMM platform: Reference (double precision; for a 22-atom molecule the
  /// fastest: CPU spends its steps waking threads) | CPU (mixed precision).
  std::string platform = "Reference";
  double temperature = 300;            ///< K
  double friction = 1;                 ///< 1/ps
  double dt = 2;                       ///< fs
  int64_t steps = 0;                   ///< recorded steps per trajectory (after burn-in)
  int64_t stride = 1;                  ///< a frame every `stride` steps
  int64_t burn_in = 0;                 ///< steps run and discarded after equilibration
  int64_t equilibration = 10000;       ///< steps after minimisation, before burn-in
  bool minimise = true;                ///< local energy minimisation first
  int64_t trajectories = 1;
  uint64_t seed = 0;
  /// Threads of OpenMM's CPU platform (the Reference platform has one).
  /// Trajectories run one after another: OpenMM's Reference platform draws
  /// its noise from one process-wide generator.
  int threads = 1;

  /// Throws ConfigError naming the option: temperature <= 0, dt too long for
  /// the constraints (> 3 fs with hbonds, > 1 fs without), unknown solvent,
  /// constraints or platform, steps < 1, ...
  void validate() const;
};

/// Positions (frames, atoms, 3) in nm of every trajectory, and how fast they came.
struct MolecularRun {
  std::vector<Array> positions;
  double seconds = 0;             ///< wall time of the recorded and burn-in steps
  double steps_per_second = 0;    ///< per trajectory
  double ns_per_day = 0;          ///< per trajectory
  std::string platform;           ///< the OpenMM platform used
  std::vector<double> start_energy;  ///< kJ/mol after minimisation and equilibration, per trajectory
};

bool openmm_available();
/// "7.7" (OpenMM's version), or "" when built without it.
std::string openmm_version();

/// Runs `options.trajectories` independent trajectories (each seeded from
/// (seed, index)); bit-reproducible for a given seed on the Reference
/// platform, and on the CPU platform with one thread (with more, OpenMM's
/// force summation order varies in the last digits).
/// `progress(done, total)` is called now and then (steps over all trajectories).
/// Throws Interrupted on SIGINT/SIGTERM once catch_interrupts() is active,
/// and ConfigError if the integration blows up (non-finite energy).
MolecularRun simulate_molecule(const MolecularDynamicsOptions& options,
                               const std::function<void(int64_t, int64_t)>& progress = {});

/// Potential energy in kJ/mol of positions (atoms x 3, nm; empty: the shipped
/// start) for the shipped System of `molecule` in `solvent`, on `platform`.
double molecule_potential_energy(const std::string& molecule, const std::string& solvent,
                                 const std::string& platform, const std::vector<double>& positions = {});

}  // namespace dynae
