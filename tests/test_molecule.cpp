// The shipped molecule: geometry, features, Ramachandran basins, the OpenMM
// engine (reproducible, clear errors) and the COLVAR writer.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "dynae/analysis/classifier.h"
#include "dynae/data/npy.h"
#include "dynae/data/table.h"
#include "dynae/errors.h"
#include "dynae/experiments/ramachandran.h"
#include "dynae/simulate/molecular_dynamics.h"
#include "dynae/simulate/molecule.h"
#include "test_util.h"

namespace dynae {
namespace {

constexpr double kPi = 3.14159265358979323846;

// A random proper rotation (QR of a Gaussian matrix, sign-fixed).
void random_rotation(std::mt19937_64& rng, double R[3][3]) {
  std::normal_distribution<double> n;
  double a[3][3];
  for (auto& row : a) {
    for (double& v : row) v = n(rng);
  }
  // Gram-Schmidt on the rows, then the third row as the cross product (det +1).
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < i; ++j) {
      const double d = a[i][0] * R[j][0] + a[i][1] * R[j][1] + a[i][2] * R[j][2];
      for (int k = 0; k < 3; ++k) a[i][k] -= d * R[j][k];
    }
    const double norm = std::sqrt(a[i][0] * a[i][0] + a[i][1] * a[i][1] + a[i][2] * a[i][2]);
    for (int k = 0; k < 3; ++k) R[i][k] = a[i][k] / norm;
  }
  R[2][0] = R[0][1] * R[1][2] - R[0][2] * R[1][1];
  R[2][1] = R[0][2] * R[1][0] - R[0][0] * R[1][2];
  R[2][2] = R[0][0] * R[1][1] - R[0][1] * R[1][0];
}

TEST(Molecule, DihedralsOfGeometriesBuiltByRotationAreExact) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> shift(-5, 5), length(0.5, 2.0);
  for (int i = -179; i <= 180; i += 7) {
    const double theta = i * kPi / 180.0;
    // p0 on +x, the axis p1 -> p2 along +z, p3 rotated by theta about it:
    // IUPAC's sign (clockwise seen along the axis is positive) gives +theta.
    const double l0 = length(rng), l2 = length(rng);
    double p[4][3] = {{l0, 0, 0.3}, {0, 0, 0}, {0, 0, 1.5}, {l2 * std::cos(theta), l2 * std::sin(theta), 1.1}};
    EXPECT_NEAR(dihedral_angle(p[0], p[1], p[2], p[3]), theta, 1e-12) << i;
    double R[3][3];
    random_rotation(rng, R);
    double q[4][3], m[4][3];
    const double t[3] = {shift(rng), shift(rng), shift(rng)};
    for (int a = 0; a < 4; ++a) {
      for (int k = 0; k < 3; ++k) q[a][k] = R[k][0] * p[a][0] + R[k][1] * p[a][1] + R[k][2] * p[a][2] + t[k];
      for (int k = 0; k < 3; ++k) m[a][k] = k == 0 ? -q[a][k] : q[a][k];  // a mirror image
    }
    EXPECT_NEAR(dihedral_angle(q[0], q[1], q[2], q[3]), theta, 1e-10) << "rotated, " << i;
    const double mirrored = dihedral_angle(m[0], m[1], m[2], m[3]);
    if (i != 180) EXPECT_NEAR(mirrored, -theta, 1e-10) << "mirrored, " << i;
  }
  // The range is (-pi, pi]: a trans arrangement is +pi, never -pi.
  const double p0[3] = {1, 0, 0}, p1[3] = {0, 0, 0}, p2[3] = {0, 0, 1}, p3[3] = {-1, 0, 1};
  EXPECT_EQ(dihedral_angle(p0, p1, p2, p3), kPi);
  const double p3b[3] = {-1, -1e-300, 1};
  EXPECT_GT(dihedral_angle(p0, p1, p2, p3b), 0);
}

TEST(Molecule, ShippedAlanineDipeptideIsTheMinimisedC7eqStructure) {
  const Molecule& m = find_molecule("Alanine-Dipeptide");
  EXPECT_EQ(m.atom_count(), 22);
  EXPECT_EQ(m.heavy_atoms.size(), 10u);
  EXPECT_EQ(molecule_feature_names(m, "heavy_distances").size(), 45u);
  const Array start({1, 22, 3}, m.start);
  const Array angles = backbone_dihedrals(start, m);
  // scripts/make_alanine_dipeptide.py printed phi -75.0, psi 54.0 degrees (C7eq).
  EXPECT_NEAR(angles.at(0, 0) * 180 / kPi, -75.0, 0.1);
  EXPECT_NEAR(angles.at(0, 1) * 180 / kPi, 54.0, 0.1);
  EXPECT_EQ(ramachandran_basin(angles.at(0, 0), angles.at(0, 1)), Basin::C7eqBeta);
  EXPECT_THROW(find_molecule("chignolin"), ConfigError);
  EXPECT_THROW(molecule_system_xml(m, "tip3p"), ConfigError);
  EXPECT_NE(molecule_system_xml(m, "obc2").find("CustomGBForce"), std::string::npos);
}

TEST(Molecule, FeaturesOfOneFrameMatchADirectComputation) {
  const Molecule& m = find_molecule("alanine_dipeptide");
  // A distorted frame, so that no distance is the start's by accident.
  std::vector<double> xyz = m.start;
  std::mt19937_64 rng(5);
  std::normal_distribution<double> n(0, 0.02);
  for (double& v : xyz) v += n(rng);
  const Array frame({1, 22, 3}, xyz);
  // Heavy-atom distances: each column's name gives its atoms' PDB serials.
  const auto names = molecule_feature_names(m, "heavy_distances");
  const Array d = molecule_features(frame, m, "heavy_distances");
  ASSERT_EQ(d.shape, (std::vector<int64_t>{1, 45}));
  for (size_t c = 0; c < names.size(); ++c) {
    int i = 0, j = 0;
    ASSERT_EQ(std::sscanf(names[c].c_str(), "d_%d_%d", &i, &j), 2) << names[c];
    ASSERT_NE(m.atoms[i - 1].element, "H");
    ASSERT_NE(m.atoms[j - 1].element, "H");
    double r2 = 0;
    for (int k = 0; k < 3; ++k) r2 += std::pow(xyz[3 * (i - 1) + k] - xyz[3 * (j - 1) + k], 2);
    EXPECT_NEAR(d.at(0, static_cast<int64_t>(c)), std::sqrt(r2), 1e-14) << names[c];
  }
  // Dihedrals: sin / cos of phi (C-N-CA-C) and psi (N-CA-C-N) found by atom name.
  auto index = [&](const char* residue, const char* name) {
    for (size_t i = 0; i < m.atoms.size(); ++i) {
      if (m.atoms[i].residue == residue && m.atoms[i].name == name) return 3 * static_cast<int>(i);
    }
    return -1000;
  };
  const double phi = dihedral_angle(&xyz[index("ACE", "C")], &xyz[index("ALA", "N")], &xyz[index("ALA", "CA")],
                                    &xyz[index("ALA", "C")]);
  const double psi = dihedral_angle(&xyz[index("ALA", "N")], &xyz[index("ALA", "CA")], &xyz[index("ALA", "C")],
                                    &xyz[index("NME", "N")]);
  const Array s = molecule_features(frame, m, "dihedrals");
  EXPECT_EQ(molecule_feature_names(m, "dihedrals"), (std::vector<std::string>{"sin_phi", "cos_phi", "sin_psi", "cos_psi"}));
  EXPECT_NEAR(s.at(0, 0), std::sin(phi), 1e-15);
  EXPECT_NEAR(s.at(0, 1), std::cos(phi), 1e-15);
  EXPECT_NEAR(s.at(0, 2), std::sin(psi), 1e-15);
  EXPECT_NEAR(s.at(0, 3), std::cos(psi), 1e-15);
  const Array p = molecule_features(frame, m, "positions");
  EXPECT_EQ(p.shape, (std::vector<int64_t>{1, 66}));
  EXPECT_EQ(p.data, xyz);
  EXPECT_EQ(molecule_feature_names(m, "positions")[3], "x2");
  EXPECT_THROW(molecule_features(frame, m, "contacts"), ConfigError);
  EXPECT_THROW(molecule_features(Array({1, 21, 3}, std::vector<double>(63, 0.0)), m, "dihedrals"), DataError);
}

TEST(Molecule, RamachandranBasinsAndPhiTransitionsCountedBetweenCores) {
  const double deg = kPi / 180;
  EXPECT_EQ(ramachandran_basin(-83 * deg, 73 * deg), Basin::C7eqBeta);
  EXPECT_EQ(ramachandran_basin(-150 * deg, 155 * deg), Basin::C7eqBeta);
  EXPECT_EQ(ramachandran_basin(170 * deg, 170 * deg), Basin::C7eqBeta);  // beta across phi = 180
  EXPECT_EQ(ramachandran_basin(-65 * deg, -40 * deg), Basin::AlphaR);
  EXPECT_EQ(ramachandran_basin(70 * deg, -60 * deg), Basin::C7axAlphaL);
  EXPECT_EQ(ramachandran_basin(60 * deg, 40 * deg), Basin::C7axAlphaL);
  // Recrossings of the barrier region (|phi| < 0.3) between two visits of one core
  // are not transitions; the wrap from -180 to +170 is none either.
  EXPECT_EQ(count_phi_transitions({-1.4, -0.2, 0.1, -0.1, 0.2, -1.5}), 0);
  EXPECT_EQ(count_phi_transitions({-1.4, 1.2, 1.1, -1.3, 1.0}), 3);
  EXPECT_EQ(count_phi_transitions({-3.1, 3.1, -3.0, 3.05}), 0);
  EXPECT_EQ(count_phi_transitions({}), 0);
}

TEST(Colvar, WrittenFileReadsBackWithItsNamesAndTimes) {
  const std::string dir = test::scratch_dir("colvar_write");
  Array v = Array::zeros({4, 2});
  for (int64_t t = 0; t < 4; ++t) {
    v.at(t, 0) = 0.1 * static_cast<double>(t) + 1.0 / 3.0;
    v.at(t, 1) = -2e-7 * static_cast<double>(t);
  }
  write_colvar(dir + "/COLVAR", {"d_2_5", "sin_phi"}, v, 0.1);
  EXPECT_EQ(detect_format(dir + "/COLVAR"), FileFormat::Colvar);
  const ColumnData c = read_columns(dir + "/COLVAR");
  EXPECT_EQ(c.names, (std::vector<std::string>{"d_2_5", "sin_phi"}));
  ASSERT_EQ(c.segments.size(), 1u);
  for (int64_t i = 0; i < 8; ++i) EXPECT_NEAR(c.segments[0].data[i], v.data[i], 1e-8 * std::abs(v.data[i]) + 1e-15);
  EXPECT_NE(test::read_file(dir + "/COLVAR").find("\n0.3 "), std::string::npos);  // time of frame 3, ps
  EXPECT_THROW(write_colvar(dir + "/bad", {"a b", "c"}, v, 0.1), DataError);
  EXPECT_THROW(write_colvar(dir + "/bad", {"a"}, v, 0.1), DataError);
  EXPECT_FALSE(test::file_exists(dir + "/bad"));
}

TEST(MolecularDynamics, BadOptionsAreClearErrors) {
  auto message = [](MolecularDynamicsOptions o) {
    try {
      o.validate();
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  MolecularDynamicsOptions o;
  o.steps = 1000;
  EXPECT_EQ(message(o), "accepted");
  auto t = o;
  t.temperature = -300;
  EXPECT_NE(message(t).find("temperature = -300"), std::string::npos) << message(t);
  t.temperature = std::nan("");
  EXPECT_NE(message(t).find("temperature"), std::string::npos);
  auto d = o;
  d.constraints = "none";
  d.dt = 10;
  EXPECT_NE(message(d).find("dt = 10 fs"), std::string::npos) << message(d);
  EXPECT_NE(message(d).find("at most 1 fs"), std::string::npos) << message(d);
  d.dt = 1;
  EXPECT_EQ(message(d), "accepted");
  d.constraints = "hbonds";
  d.dt = 4;
  EXPECT_NE(message(d).find("at most 3 fs"), std::string::npos) << message(d);
  auto s = o;
  s.solvent = "tip3p";
  EXPECT_NE(message(s).find("solvent 'tip3p'"), std::string::npos) << message(s);
  EXPECT_NE(message(s).find("obc2"), std::string::npos) << message(s);
  auto c = o;
  c.constraints = "allbonds";
  EXPECT_NE(message(c).find("constraints = allbonds"), std::string::npos);
  auto p = o;
  p.platform = "CUDA";
  EXPECT_NE(message(p).find("platform = CUDA"), std::string::npos);
  auto f = o;
  f.friction = 0;
  EXPECT_NE(message(f).find("friction"), std::string::npos);
  auto st = o;
  st.stride = 2000;
  EXPECT_NE(message(st).find("stride"), std::string::npos);
}

TEST(Classifier, LogisticReachesTheBayesAccuracyOfTwoGaussians) {
  // N(-1, 1) against N(+1, 1), equal priors: the best rule is the sign, right
  // with probability Phi(1) = 0.8413.
  std::mt19937_64 rng(2);
  std::normal_distribution<double> n;
  const int64_t T = 200000;
  Array z = Array::zeros({T, 1});
  std::vector<int> y(T);
  for (int64_t t = 0; t < T; ++t) {
    y[t] = t % 2;
    z.at(t, 0) = (y[t] ? 1.0 : -1.0) + n(rng);
  }
  const LogisticModel m = fit_logistic(z.slice_frames(0, T / 2), {y.begin(), y.begin() + T / 2});
  EXPECT_NEAR(classification_accuracy(m, z.slice_frames(T / 2, T), {y.begin() + T / 2, y.end()}), 0.8413, 0.005);
  // The fitted log-odds are 2z: weight 2 per unit of z (the feature is standardised by sd sqrt(2)).
  EXPECT_NEAR(m.weights[1] / m.scale[0], 2.0, 0.05);
  EXPECT_NEAR(m.weights[0] - m.weights[1] * m.mean[0] / m.scale[0], 0.0, 0.05);
  // A ring around a disc: no line separates them, a quadratic boundary does.
  Array r = Array::zeros({4000, 2});
  std::vector<int> ring(4000);
  std::uniform_real_distribution<double> u(0, 2 * kPi);
  for (int64_t t = 0; t < 4000; ++t) {
    ring[t] = t % 2;
    const double radius = ring[t] ? 2.0 + 0.2 * n(rng) : 0.5 * std::abs(n(rng)), a = u(rng);
    r.at(t, 0) = radius * std::cos(a) + 3;
    r.at(t, 1) = radius * std::sin(a) - 1;
  }
  EXPECT_LT(classification_accuracy(fit_logistic(r, ring, false), r, ring), 0.7);
  EXPECT_GT(classification_accuracy(fit_logistic(r, ring, true), r, ring), 0.99);
  EXPECT_THROW(fit_logistic(r, std::vector<int>(4000, 1)), DataError);
  EXPECT_THROW(fit_logistic(r, std::vector<int>(3, 1)), DataError);
}

TEST(Ramachandran, APerfectCoordinateMatchesTheDihedralsAndNoiseDoesNot) {
  // Two states switching with probability p per frame: phi near -1.4 or +1.0.
  // Slowest implied timescale: -1 / ln(1 - 2p) frames at any lag (49.5 for p = 0.01).
  std::mt19937_64 rng(9);
  std::normal_distribution<double> n;
  std::uniform_real_distribution<double> u;
  const double p = 0.01;
  const int64_t T = 50000;
  Array truth = Array::zeros({T, 2}), good = Array::zeros({T, 2}), noise = Array::zeros({T, 2});
  int state = 0;
  for (int64_t t = 0; t < T; ++t) {
    if (u(rng) < p) state = 1 - state;
    truth.at(t, 0) = (state ? 1.0 : -1.4) + 0.15 * n(rng);
    truth.at(t, 1) = 1.0 + 0.3 * n(rng);
    good.at(t, 0) = 3 * truth.at(t, 0) + 0.01 * n(rng);
    good.at(t, 1) = truth.at(t, 1) - truth.at(t, 0);
    noise.at(t, 0) = n(rng);
    noise.at(t, 1) = n(rng);
  }
  RamachandranOptions o;
  o.lag = 5;
  o.clusters = 20;
  const RamachandranResult r = assess_against_ramachandran({truth}, {{"good", {good}}, {"noise", {noise}}}, o);
  const double its = -1 / std::log(1 - 2 * p);
  ASSERT_FALSE(r.truth_its.empty());
  EXPECT_NEAR(r.truth_its[0], its, 0.15 * its);
  EXPECT_GT(r.phi_transitions, 400);  // p T = 500 switches expected, each one transition
  EXPECT_LT(r.phi_transitions, 600);
  ASSERT_EQ(r.latents.size(), 2u);
  const auto& g = r.latents[0];
  EXPECT_GT(g.accuracy_linear, 0.999);
  EXPECT_GT(g.min_purity, 0.99);
  EXPECT_EQ(g.basin_population.size(), 2u);
  ASSERT_FALSE(g.its.empty());
  EXPECT_NEAR(g.its[0] / r.truth_its[0], 1.0, 0.1);
  const auto& b = r.latents[1];
  EXPECT_LT(b.accuracy_quadratic, 0.7);
  EXPECT_LT(b.its[0], 2.0);
  EXPECT_GT(g.vamp2_latent, 1.5);
  EXPECT_LT(b.vamp2_latent, 1.05);
  const std::string table = ramachandran_table(r);
  EXPECT_NE(table.find("| good | 2 |"), std::string::npos) << table;
  EXPECT_THROW(assess_against_ramachandran({truth}, {{"short", {noise.slice_frames(0, 10)}}}, o), DataError);
}

#if DYNAE_WITH_OPENMM_BUILD
TEST(MolecularDynamics, ShortRunIsReproducibleWithItsSeed) {
  MolecularDynamicsOptions o;
  o.steps = 2000;
  o.stride = 100;
  o.equilibration = 200;
  o.seed = 11;
  const MolecularRun a = simulate_molecule(o), b = simulate_molecule(o);
  ASSERT_EQ(a.positions.size(), 1u);
  ASSERT_EQ(a.positions[0].shape, (std::vector<int64_t>{20, 22, 3}));
  EXPECT_EQ(a.positions[0].data, b.positions[0].data);
  o.seed = 12;
  const MolecularRun c = simulate_molecule(o);
  EXPECT_NE(a.positions[0].data, c.positions[0].data);
  // Physical: bonds keep their length (C-N peptide bond ~0.133 nm), the
  // constrained N-H bond exactly its force-field length, 0.101 nm.
  const Molecule& m = find_molecule(o.molecule);
  const Array d = molecule_features(a.positions[0], m, "heavy_distances");
  for (int64_t t = 0; t < d.frames(); ++t) {
    EXPECT_GT(d.at(t, 0), 0.13);  // CH3-C, bonded
    EXPECT_LT(d.at(t, 0), 0.17);
  }
  const double* p = a.positions[0].data.data() + 19 * 66;
  const double nh = std::sqrt(std::pow(p[3 * 6] - p[3 * 7], 2) + std::pow(p[3 * 6 + 1] - p[3 * 7 + 1], 2) +
                              std::pow(p[3 * 6 + 2] - p[3 * 7 + 2], 2));
  EXPECT_NEAR(nh, 0.101, 1e-4);
  EXPECT_GT(a.steps_per_second, 0);
  // Several trajectories: each the same as when run alone (one after another).
  // The CPU platform reproduces with one thread (with two, OpenMM's force
  // summation order varies from run to run in the last float digits).
  o.seed = 11;
  o.trajectories = 2;
  o.threads = 2;
  const MolecularRun two = simulate_molecule(o);
  EXPECT_EQ(two.positions[0].data, a.positions[0].data);
  EXPECT_NE(two.positions[1].data, a.positions[0].data);
  o.platform = "CPU";
  o.threads = 1;
  const MolecularRun cpu_two = simulate_molecule(o), cpu_two_again = simulate_molecule(o);
  EXPECT_EQ(cpu_two.positions[0].data, cpu_two_again.positions[0].data);
  EXPECT_EQ(cpu_two.positions[1].data, cpu_two_again.positions[1].data);
  o.trajectories = 1;
  EXPECT_EQ(simulate_molecule(o).positions[0].data, cpu_two.positions[0].data);
}

TEST(MolecularDynamics, ReferenceAndCpuPlatformsAgreeOnTheEnergy) {
  for (const char* solvent : {"vacuum", "obc2"}) {
    const double ref = molecule_potential_energy("alanine_dipeptide", solvent, "Reference");
    const double cpu = molecule_potential_energy("alanine_dipeptide", solvent, "CPU");
    EXPECT_NEAR(cpu, ref, 1e-4 * std::abs(ref)) << solvent;
    EXPECT_LT(ref, 0) << solvent;  // a minimised peptide: bound by its electrostatics
  }
  EXPECT_THROW(molecule_potential_energy("alanine_dipeptide", "vacuum", "Reference", {1.0, 2.0}), DataError);
}

TEST(MolecularDynamics, CliWritesTruthFeaturesAndColvarAndRefusesKT) {
  const std::string dir = test::scratch_dir("md_cli");
  auto r = test::run_cli("simulate --system alanine_dipeptide --steps 1000 --stride 50 --equilibration 100 --out-truth " +
                             dir + "/truth.npy --out-obs " + dir + "/obs.npy --out-colvar " + dir +
                             "/COLVAR --out-positions " + dir + "/pos.npy --seed 4",
                         dir);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("ns/day"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("C7eq/beta"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("phi sign changes"), std::string::npos) << r.output;
  const Array truth = read_npy(dir + "/truth.npy"), obs = read_npy(dir + "/obs.npy"), pos = read_npy(dir + "/pos.npy");
  EXPECT_EQ(truth.shape, (std::vector<int64_t>{20, 2}));
  EXPECT_EQ(obs.shape, (std::vector<int64_t>{20, 45}));
  EXPECT_EQ(pos.shape, (std::vector<int64_t>{20, 22, 3}));
  for (double v : truth.data) {
    EXPECT_GT(v, -kPi);
    EXPECT_LE(v, kPi);
  }
  const ColumnData c = read_columns(dir + "/COLVAR");
  EXPECT_EQ(c.names.size(), 45u);
  EXPECT_EQ(c.names[0], "d_2_5");  // ACE CH3 - ACE C
  for (int64_t i = 0; i < obs.size(); ++i) EXPECT_NEAR(c.segments[0].data[i], obs.data[i], 1e-6);
  const Molecule& m = find_molecule("alanine_dipeptide");
  const Array angles = backbone_dihedrals(pos, m);  // float32 positions: angles to ~1e-5
  for (int64_t i = 0; i < truth.size(); ++i) EXPECT_NEAR(angles.data[i], truth.data[i], 1e-4);

  // Bad options: exit 2, a message that says what was expected, nothing written.
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"--system alanine_dipeptide --kT 2.5", "kelvin"},
      {"--system alanine_dipeptide --temperature -5", "--temperature: '-5' is invalid: expected a number > 0"},
      {"--system alanine_dipeptide --constraints none --dt 10", "dt = 10 fs"},
      {"--system alanine_dipeptide --param scale=2", "--param does not apply"},
      {"--system double_well_2d --temperature 300", "takes --kT"}};
  for (const auto& [args, message] : bad) {
    r = test::run_cli("simulate " + args + " --out-truth " + dir + "/t2.npy", dir);
    EXPECT_EQ(r.code, 2) << args << ": " << r.output;
    EXPECT_NE(r.output.find(message), std::string::npos) << args << ": " << r.output;
  }
  EXPECT_FALSE(test::file_exists(dir + "/t2.npy"));
}
#endif

}  // namespace
}  // namespace dynae
