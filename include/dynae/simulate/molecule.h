#pragma once
// Shipped molecules (data/<name>/, embedded in the library): their atoms, the
// features a model sees of them and the coordinates physics knows to be slow.
// OpenMM-free: the simulation itself is in molecular_dynamics.h.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "dynae/array.h"

namespace dynae {

struct MoleculeAtom {
  std::string residue;  ///< "ACE", "ALA", "NME"
  std::string name;     ///< PDB atom name, "CA"
  std::string element;  ///< "C", "H", ...
  int serial = 0;       ///< 1-based PDB serial (PLUMED's atom numbering)
};

struct Molecule {
  std::string name;         ///< "alanine_dipeptide"
  std::string description;  ///< force field, origin of the structure
  std::vector<MoleculeAtom> atoms;
  std::vector<double> start;       ///< starting structure, atoms x 3, nm
  std::vector<int> heavy_atoms;    ///< 0-based indices of the non-hydrogen atoms
  std::array<int, 4> phi{}, psi{};  ///< 0-based atoms of the backbone dihedrals
  std::vector<std::string> solvents;  ///< "vacuum", "obc2": a shipped System each
  int64_t atom_count() const { return static_cast<int64_t>(atoms.size()); }
};

/// The shipped molecules by name ("alanine_dipeptide"; case-insensitive, '-' = '_').
/// Throws ConfigError listing the known ones.
const Molecule& find_molecule(const std::string& name);
/// The serialised OpenMM System (XmlSerializer) of a molecule in a solvent;
/// throws ConfigError for a solvent it was not made with, listing them.
const std::string& molecule_system_xml(const Molecule& molecule, const std::string& solvent);

/// The dihedral angle p0-p1-p2-p3 (IUPAC sign convention) in radians, in (-pi, pi].
double dihedral_angle(const double* p0, const double* p1, const double* p2, const double* p3);

/// What a model sees of a molecule, from positions (T, atoms, 3) in nm:
///   heavy_distances  every pairwise distance of the heavy atoms, nm (10 atoms: 45)
///   dihedrals        sin phi, cos phi, sin psi, cos psi
///   positions        x, y, z of every atom, nm (not aligned)
/// Throws ConfigError for another name, DataError for positions of the wrong shape.
Array molecule_features(const Array& positions, const Molecule& molecule, const std::string& kind);
/// Column names of molecule_features, PLUMED style: d_2_5 (atom serials),
/// sin_phi, ..., x1, y1, z1, ...
std::vector<std::string> molecule_feature_names(const Molecule& molecule, const std::string& kind);
std::vector<std::string> molecule_feature_kinds();

/// (phi, psi) of every frame, radians in (-pi, pi]: (T, 2).
Array backbone_dihedrals(const Array& positions, const Molecule& molecule);

/// Ramachandran basins of a dipeptide, from (phi, psi) in radians:
///   C7ax/alpha_L   0 < phi < 2.2 (about 126 deg): the phi > 0 side of the slow process
///   alpha_R        otherwise, with -2.1 < psi < 0 and phi < 0
///   C7eq/beta      the rest (phi < 0, and the extended region across phi = +-180)
enum class Basin { C7eqBeta = 0, AlphaR = 1, C7axAlphaL = 2 };
constexpr int kBasinCount = 3;
Basin ramachandran_basin(double phi, double psi);
const char* basin_name(Basin b);
/// Transitions of phi between the C7eq/beta side and the C7ax/alpha_L side,
/// counted between cores (phi < -0.3 or > 2.5; 0.3 < phi < 1.9) so that
/// recrossings of the barrier are not counted.
int64_t count_phi_transitions(const std::vector<double>& phi);

}  // namespace dynae
