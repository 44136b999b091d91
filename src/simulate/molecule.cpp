#include "dynae/simulate/molecule.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <sstream>

#include "dynae/errors.h"

namespace dynae {

const std::string* embedded_file(const std::string& name);  // generated (cmake/embed_files.cmake)

namespace {

constexpr double kPi = 3.14159265358979323846;

std::string normalise(std::string s) {
  for (auto& c : s) c = c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(' ');
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(' ') - b + 1);
}

const std::string& embedded(const std::string& name) {
  const std::string* f = embedded_file(name);
  if (!f) throw Error("internal: the embedded file " + name + " is missing from this build");
  return *f;
}

// The fixed columns of ATOM/HETATM records (PDB format 3.3).
void parse_pdb(const std::string& text, Molecule& m) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, 4, "ATOM") != 0 && line.compare(0, 6, "HETATM") != 0) continue;
    if (line.size() < 54) throw Error("internal: short PDB record in " + m.name + ": " + line);
    MoleculeAtom a;
    a.serial = std::stoi(line.substr(6, 5));
    a.name = trim(line.substr(12, 4));
    a.residue = trim(line.substr(17, 3));
    a.element = line.size() >= 78 ? trim(line.substr(76, 2)) : std::string(1, a.name[0]);
    m.atoms.push_back(a);
    for (int k = 0; k < 3; ++k) m.start.push_back(std::stod(line.substr(30 + 8 * k, 8)) / 10.0);  // A -> nm
  }
}

int find_atom(const Molecule& m, const std::string& residue, const std::string& name) {
  for (size_t i = 0; i < m.atoms.size(); ++i) {
    if (m.atoms[i].residue == residue && m.atoms[i].name == name) return static_cast<int>(i);
  }
  throw Error("internal: " + m.name + " has no atom " + residue + " " + name);
}

Molecule make_alanine_dipeptide() {
  Molecule m;
  m.name = "alanine_dipeptide";
  m.description =
      "Ace-Ala-Nme, 22 atoms, Amber ff14SB (OpenMM 7.7's amber14-all.xml), NoCutoff; vacuum or OBC2 implicit "
      "solvent; starts from a minimised C7eq structure (scripts/make_alanine_dipeptide.py)";
  parse_pdb(embedded("alanine_dipeptide/start.pdb"), m);
  for (size_t i = 0; i < m.atoms.size(); ++i) {
    if (m.atoms[i].element != "H") m.heavy_atoms.push_back(static_cast<int>(i));
  }
  m.phi = {find_atom(m, "ACE", "C"), find_atom(m, "ALA", "N"), find_atom(m, "ALA", "CA"), find_atom(m, "ALA", "C")};
  m.psi = {find_atom(m, "ALA", "N"), find_atom(m, "ALA", "CA"), find_atom(m, "ALA", "C"), find_atom(m, "NME", "N")};
  m.solvents = {"vacuum", "obc2"};
  return m;
}

const std::vector<Molecule>& molecules() {
  static const std::vector<Molecule> all = {make_alanine_dipeptide()};
  return all;
}

void check_positions(const Array& positions, const Molecule& m) {
  if (positions.rank() != 3 || positions.shape[1] != m.atom_count() || positions.shape[2] != 3) {
    throw DataError("positions of " + m.name + " have shape " + positions.shape_string() + "; expected (frames, " +
                    std::to_string(m.atom_count()) + ", 3)");
  }
}

}  // namespace

const Molecule& find_molecule(const std::string& name) {
  const std::string n = normalise(name);
  std::string known;
  for (const auto& m : molecules()) {
    if (m.name == n) return m;
    known += (known.empty() ? "" : ", ") + m.name;
  }
  throw ConfigError("molecule '" + name + "' is unknown; expected one of: " + known);
}

const std::string& molecule_system_xml(const Molecule& molecule, const std::string& solvent) {
  const std::string s = normalise(solvent);
  if (std::find(molecule.solvents.begin(), molecule.solvents.end(), s) == molecule.solvents.end()) {
    std::string known;
    for (const auto& k : molecule.solvents) known += (known.empty() ? "" : ", ") + k;
    throw ConfigError("solvent '" + solvent + "' is unknown for " + molecule.name + "; expected one of: " + known);
  }
  return embedded(molecule.name + "/system_" + s + ".xml");
}


double dihedral_angle(const double* p0, const double* p1, const double* p2, const double* p3) {
  double b0[3], b1[3], b2[3];
  for (int k = 0; k < 3; ++k) {
    b0[k] = p0[k] - p1[k];
    b1[k] = p2[k] - p1[k];
    b2[k] = p3[k] - p2[k];
  }
  const double n1 = std::sqrt(b1[0] * b1[0] + b1[1] * b1[1] + b1[2] * b1[2]);
  for (double& v : b1) v /= n1;
  const double d0 = b0[0] * b1[0] + b0[1] * b1[1] + b0[2] * b1[2];
  const double d2 = b2[0] * b1[0] + b2[1] * b1[1] + b2[2] * b1[2];
  double v[3], w[3];
  for (int k = 0; k < 3; ++k) {
    v[k] = b0[k] - d0 * b1[k];  // b0 and b2 projected on the plane normal to b1
    w[k] = b2[k] - d2 * b1[k];
  }
  const double x = v[0] * w[0] + v[1] * w[1] + v[2] * w[2];
  const double c[3] = {b1[1] * v[2] - b1[2] * v[1], b1[2] * v[0] - b1[0] * v[2], b1[0] * v[1] - b1[1] * v[0]};
  const double y = c[0] * w[0] + c[1] * w[1] + c[2] * w[2];
  const double a = std::atan2(y, x);
  return a <= -kPi ? kPi : a;  // (-pi, pi]
}

std::vector<std::string> molecule_feature_kinds() { return {"heavy_distances", "dihedrals", "positions"}; }

std::vector<std::string> molecule_feature_names(const Molecule& m, const std::string& kind) {
  std::vector<std::string> names;
  if (kind == "heavy_distances") {
    for (size_t i = 0; i < m.heavy_atoms.size(); ++i) {
      for (size_t j = i + 1; j < m.heavy_atoms.size(); ++j) {
        names.push_back("d_" + std::to_string(m.atoms[m.heavy_atoms[i]].serial) + "_" +
                        std::to_string(m.atoms[m.heavy_atoms[j]].serial));
      }
    }
  } else if (kind == "dihedrals") {
    names = {"sin_phi", "cos_phi", "sin_psi", "cos_psi"};
  } else if (kind == "positions") {
    for (const auto& a : m.atoms) {
      for (const char* axis : {"x", "y", "z"}) names.push_back(axis + std::to_string(a.serial));
    }
  } else {
    std::string known;
    for (const auto& k : molecule_feature_kinds()) known += (known.empty() ? "" : ", ") + k;
    throw ConfigError("features '" + kind + "' of " + m.name + " are unknown; expected one of: " + known);
  }
  return names;
}

Array backbone_dihedrals(const Array& positions, const Molecule& m) {
  check_positions(positions, m);
  const int64_t T = positions.frames(), stride = m.atom_count() * 3;
  Array out = Array::zeros({T, 2});
  for (int64_t t = 0; t < T; ++t) {
    const double* p = positions.data.data() + t * stride;
    out.at(t, 0) = dihedral_angle(p + 3 * m.phi[0], p + 3 * m.phi[1], p + 3 * m.phi[2], p + 3 * m.phi[3]);
    out.at(t, 1) = dihedral_angle(p + 3 * m.psi[0], p + 3 * m.psi[1], p + 3 * m.psi[2], p + 3 * m.psi[3]);
  }
  return out;
}

Array molecule_features(const Array& positions, const Molecule& m, const std::string& kind) {
  const int64_t width = static_cast<int64_t>(molecule_feature_names(m, kind).size());  // checks the kind
  check_positions(positions, m);
  const int64_t T = positions.frames(), stride = m.atom_count() * 3;
  if (kind == "positions") return Array({T, width}, positions.data);
  Array out = Array::zeros({T, width});
  if (kind == "dihedrals") {
    const Array angles = backbone_dihedrals(positions, m);
    for (int64_t t = 0; t < T; ++t) {
      out.at(t, 0) = std::sin(angles.at(t, 0));
      out.at(t, 1) = std::cos(angles.at(t, 0));
      out.at(t, 2) = std::sin(angles.at(t, 1));
      out.at(t, 3) = std::cos(angles.at(t, 1));
    }
    return out;
  }
  const auto& h = m.heavy_atoms;
  for (int64_t t = 0; t < T; ++t) {
    const double* p = positions.data.data() + t * stride;
    int64_t k = 0;
    for (size_t i = 0; i < h.size(); ++i) {
      for (size_t j = i + 1; j < h.size(); ++j) {
        const double* a = p + 3 * h[i];
        const double* b = p + 3 * h[j];
        const double dx = a[0] - b[0], dy = a[1] - b[1], dz = a[2] - b[2];
        out.at(t, k++) = std::sqrt(dx * dx + dy * dy + dz * dz);
      }
    }
  }
  return out;
}

Basin ramachandran_basin(double phi, double psi) {
  if (phi > 0 && phi < 2.2) return Basin::C7axAlphaL;
  if (phi < 0 && psi > -2.1 && psi < 0) return Basin::AlphaR;
  return Basin::C7eqBeta;
}

const char* basin_name(Basin b) {
  switch (b) {
    case Basin::C7eqBeta: return "C7eq/beta";
    case Basin::AlphaR: return "alpha_R";
    case Basin::C7axAlphaL: return "C7ax/alpha_L";
  }
  return "?";
}

int64_t count_phi_transitions(const std::vector<double>& phi) {
  int side = -1;  // -1 none yet, 0 C7eq/beta core, 1 C7ax/alpha_L core
  int64_t n = 0;
  for (const double f : phi) {
    const int core = (f > 0.3 && f < 1.9) ? 1 : ((f < -0.3 || f > 2.5) ? 0 : -1);
    if (core < 0) continue;
    if (side >= 0 && core != side) ++n;
    side = core;
  }
  return n;
}

}  // namespace dynae
