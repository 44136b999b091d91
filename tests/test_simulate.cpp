// Simulators: integrators against exact stationary statistics, potentials,
// observation maps and movie rendering.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "dynae/analysis/helmholtz.h"
#include "dynae/errors.h"
#include "dynae/simulate/integrator.h"
#include "dynae/simulate/movie.h"
#include "dynae/simulate/observation.h"
#include "dynae/simulate/systems.h"
#include "dynae/simulate/transformations.h"

namespace dynae {
namespace {

double column_variance(const Array& a, int64_t col) {
  double m = 0, v = 0;
  for (int64_t t = 0; t < a.frames(); ++t) m += a.at(t, col);
  m /= a.frames();
  for (int64_t t = 0; t < a.frames(); ++t) v += (a.at(t, col) - m) * (a.at(t, col) - m);
  return v / a.frames();
}

TEST(Harmonic, StationaryVarianceOfBothSchemes) {
  // k dt = 0.05. Leimkuhler-Matthews samples kT/k exactly for a harmonic well;
  // Euler-Maruyama has variance kT/k / (1 - k dt / 2), 2.6 % too large here.
  // About 5e4 independent samples: the statistical error is about 0.6 %.
  const double k = 10, kT = 0.5, dt = 5e-3;
  const auto pot = make_harmonic(2, {k});
  LangevinOptions o;
  o.dt = dt;
  o.kT = kT;
  o.steps = 2000000;
  o.burn_in = 1000;
  o.start = {0, 0};
  o.seed = 3;
  o.scheme = LangevinScheme::LeimkuhlerMatthews;
  const Array lm = simulate_langevin(*pot, o)[0];
  o.scheme = LangevinScheme::EulerMaruyama;
  const Array em = simulate_langevin(*pot, o)[0];
  const double exact = kT / k, em_exact = exact / (1 - k * dt / 2);
  for (int64_t c = 0; c < 2; ++c) {
    EXPECT_NEAR(column_variance(lm, c) / exact, 1.0, 0.02) << "axis " << c;
    EXPECT_NEAR(column_variance(em, c) / em_exact, 1.0, 0.02) << "axis " << c;
  }
  // The two schemes are told apart: EM's excess is seen on average.
  const double lm_mean = 0.5 * (column_variance(lm, 0) + column_variance(lm, 1));
  const double em_mean = 0.5 * (column_variance(em, 0) + column_variance(em, 1));
  EXPECT_GT(em_mean / lm_mean, 1.01);
}

TEST(Harmonic, DiffusionMatrixSetsTheStepCovariance) {
  // With D = [[1, 0.5], [0.5, 2]], one step's noise has covariance 2 kT dt D.
  const auto pot = make_harmonic(2, {1e-6});
  LangevinOptions o;
  o.dt = 1e-3;
  o.kT = 1;
  o.steps = 200000;
  o.start = {0, 0};
  o.diffusion = {1, 0.5, 0.5, 2};
  const Array x = simulate_langevin(*pot, o)[0];
  double c00 = 0, c01 = 0, c11 = 0;
  const int64_t n = x.frames() - 1;
  for (int64_t t = 0; t < n; ++t) {
    const double d0 = x.at(t + 1, 0) - x.at(t, 0), d1 = x.at(t + 1, 1) - x.at(t, 1);
    c00 += d0 * d0 / n;
    c01 += d0 * d1 / n;
    c11 += d1 * d1 / n;
  }
  const double s = 2 * o.kT * o.dt;
  EXPECT_NEAR(c00 / s, 1.0, 0.02);
  EXPECT_NEAR(c01 / s, 0.5, 0.02);
  EXPECT_NEAR(c11 / s, 2.0, 0.04);
}

TEST(DoubleWell, TimeInEachWellMatchesTheBoltzmannIntegral) {
  // A tilted double well V = (x^2 - 1)^2 + 0.25 x at kT = 0.6: the left well
  // is deeper. Compare the fraction of time at x < 0 with the integral of
  // exp(-V/kT).
  const std::string formula = "(x^2-1)^2 + 0.25*x";
  const double kT = 0.6;
  auto V = [](double x) { return (x * x - 1) * (x * x - 1) + 0.25 * x; };
  double left = 0, total = 0;
  for (double x = -3; x <= 3; x += 1e-4) {
    const double w = std::exp(-V(x) / kT);
    total += w;
    if (x < 0) left += w;
  }
  const double expected = left / total;
  const auto pot = make_expression_potential(formula);
  LangevinOptions o;
  o.dt = 2e-3;
  o.kT = kT;
  o.steps = 4000000;
  o.stride = 10;
  o.start = {-1};
  o.scheme = LangevinScheme::LeimkuhlerMatthews;
  o.trajectories = 2;
  o.threads = 2;
  double in_left = 0, frames = 0;
  for (const Array& x : simulate_langevin(*pot, o)) {
    for (int64_t t = 0; t < x.frames(); ++t) in_left += x.at(t, 0) < 0;
    frames += static_cast<double>(x.frames());
  }
  EXPECT_GT(expected, 0.6);  // the test means something: the wells differ
  EXPECT_NEAR(in_left / frames, expected, 0.03);
}

TEST(Potentials, ExpressionEqualsBuiltInMuellerBrown) {
  const std::string mb =
      "-200*exp(-(x-1)^2 - 10*y^2) - 100*exp(-x^2 - 10*(y-0.5)^2)"
      " - 170*exp(-6.5*(x+0.5)^2 + 11*(x+0.5)*(y-1.5) - 6.5*(y-1.5)^2)"
      " + 15*exp(0.7*(x+1)^2 + 0.6*(x+1)*(y-1) + 0.7*(y-1)^2)";
  const auto expr = make_expression_potential(mb);
  const auto builtin = make_system_potential("mueller_brown");
  ASSERT_EQ(expr->dim(), 2);
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> ux(-1.5, 1.2), uy(-0.5, 2.0);
  for (int i = 0; i < 200; ++i) {
    const std::vector<double> p{ux(rng), uy(rng)};
    EXPECT_NEAR(expr->energy(p), builtin->energy(p), 1e-9 * (1 + std::abs(builtin->energy(p))));
    const auto ge = expr->gradient(p), gb = builtin->gradient(p);
    for (int k = 0; k < 2; ++k) EXPECT_NEAR(ge[k], gb[k], 1e-6 * (1 + std::abs(gb[k]))) << "at " << p[0] << "," << p[1];
  }
}

TEST(Potentials, BuiltInGradientsMatchFiniteDifferences) {
  for (const auto& spec : list_systems()) {
    if (spec.name == "expression" || !spec.molecule.empty() || spec.transformations) continue;
    const auto pot = make_system_potential(spec.name, spec.dim == 0 ? 3 : 0);
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> u(-1.2, 1.2);
    for (int i = 0; i < 20; ++i) {
      std::vector<double> x(pot->dim());
      for (auto& v : x) v = u(rng);
      const auto g = pot->gradient(x);
      for (int64_t k = 0; k < pot->dim(); ++k) {
        auto xp = x, xm = x;
        xp[k] += 1e-6;
        xm[k] -= 1e-6;
        const double fd = (pot->energy(xp) - pot->energy(xm)) / 2e-6;
        EXPECT_NEAR(g[k], fd, 1e-5 * (1 + std::abs(fd))) << spec.name << " axis " << k;
      }
    }
  }
}

TEST(Systems, EveryNamedStateIsVisitedAtTheDocumentedDefaults) {
  for (const auto& spec : list_systems()) {
    if (spec.states.empty()) continue;
    const auto pot = make_system_potential(spec.name);
    LangevinOptions o;
    o.dt = spec.dt;
    o.kT = spec.kT;
    o.steps = spec.steps;
    o.stride = spec.stride;
    o.start = spec.start.empty() ? std::vector<double>(pot->dim(), 0.0) : spec.start;
    const Array x = simulate_langevin(*pot, o)[0];
    const auto occ = state_occupancy(x.data, pot->dim(), spec.states);
    for (size_t s = 0; s < occ.size(); ++s) {
      EXPECT_GT(occ[s], 0.002) << spec.name << " state " << spec.states[s].name << " is (almost) never visited";
    }
  }
}

TEST(Systems, SameSeedSameTrajectoryWhateverTheThreads) {
  const auto pot = make_system_potential("mueller_brown");
  LangevinOptions o;
  o.dt = 1e-4;
  o.kT = 15;
  o.steps = 20000;
  o.stride = 10;
  o.start = {-0.558, 1.442};
  o.trajectories = 3;
  o.seed = 42;
  const auto a = simulate_langevin(*pot, o);
  o.threads = 2;
  const auto b = simulate_langevin(*pot, o);
  ASSERT_EQ(a.size(), 3u);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].data, b[i].data) << "trajectory " << i;
  EXPECT_NE(a[0].data, a[1].data);  // independent streams
  o.seed = 43;
  EXPECT_NE(simulate_langevin(*pot, o)[0].data, a[0].data);
  for (auto scheme : {LangevinScheme::EulerMaruyama, LangevinScheme::LeimkuhlerMatthews}) {
    o.scheme = scheme;
    EXPECT_EQ(simulate_langevin(*pot, o)[0].data, simulate_langevin(*pot, o)[0].data);
  }
}

TEST(Systems, BadParametersGetClearErrors) {
  const auto pot = make_system_potential("double_well_2d");
  LangevinOptions o;
  o.start = {0, 0};
  o.dt = -1e-3;
  try {
    simulate_langevin(*pot, o);
    FAIL() << "negative dt accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("dt = -0.001"), std::string::npos) << e.what();
  }
  o.dt = 1e-3;
  o.start = {0};
  EXPECT_THROW(simulate_langevin(*pot, o), ConfigError);
  o.start = {0, 0};
  o.diffusion = {1, 2, 2, 1};  // not positive definite
  EXPECT_THROW(simulate_langevin(*pot, o), ConfigError);
  try {
    make_system_potential("muller_brown");
    FAIL() << "unknown system accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("mueller_brown"), std::string::npos) << e.what();
  }
  EXPECT_THROW(make_system_potential("mueller_brown", 0, {{"scael", 1.0}}), ConfigError);
  EXPECT_THROW(make_system_potential("mueller_brown", 3), ConfigError);
  try {
    make_expression_potential("x^2 + * y");
    FAIL() << "bad expression accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("position 6"), std::string::npos) << e.what();
  }
  try {
    make_expression_potential("x^2 + w");
    FAIL() << "unknown variable accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown variable 'w'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(make_expression_potential("x + y", 1), ConfigError);
  // A time step far too large for Mueller-Brown: divergence is an error, not NaNs.
  const auto mb = make_system_potential("mueller_brown");
  o.dt = 1.0;
  o.diffusion.clear();
  o.start = {-0.5, 1.4};
  EXPECT_THROW(simulate_langevin(*mb, o), Error);
}

TEST(Observation, MapsAreExactAndSeeded) {
  Array truth = Array::zeros({100, 2});
  std::mt19937_64 rng(0);
  std::normal_distribution<double> n;
  for (auto& v : truth.data) v = n(rng);
  ObservationOptions o;
  EXPECT_EQ(observe(truth, o).data, truth.data);
  o.map = "warp";
  o.warp = 0.5;
  const Array w = observe(truth, o);
  EXPECT_DOUBLE_EQ(w.at(7, 0), truth.at(7, 0));
  EXPECT_DOUBLE_EQ(w.at(7, 1), truth.at(7, 1) + 0.5 * truth.at(7, 0) * truth.at(7, 0));
  o.shear = 0.3;  // bent, then sheared: x + 0.3 (y + 0.5 x^2)
  const Array sh = observe(truth, o);
  EXPECT_DOUBLE_EQ(sh.at(7, 1), w.at(7, 1));
  EXPECT_DOUBLE_EQ(sh.at(7, 0), truth.at(7, 0) + 0.3 * w.at(7, 1));
  o.shear = 0;
  o.map = "embed";
  o.out_dim = 6;
  const Array e1 = observe(truth, o), e2 = observe(truth, o);
  ASSERT_EQ(e1.shape, (std::vector<int64_t>{100, 6}));
  EXPECT_EQ(e1.data, e2.data);
  o.seed = 1;
  EXPECT_NE(observe(truth, o).data, e1.data);
  // Several trajectories see one map: the same frame maps to the same point.
  const auto both = observe(std::vector<Array>{truth, truth}, o);
  EXPECT_EQ(both[0].data, both[1].data);
  o.out_dim = 1;
  EXPECT_THROW(observe(truth, o), ConfigError);
  o.map = "nonsense";
  EXPECT_THROW(observe(truth, o), ConfigError);
}

TEST(Movie, SpotCentreOfMassIsWhereTheTruthSays) {
  Array truth(std::vector<int64_t>{3, 2}, {0.0, 0.0, 1.0, -0.5, -0.7, 0.9});
  MovieOptions o;
  o.size = 32;
  o.radius = 1.5;
  o.box = {-2, 2, -2, 2};
  const Array movie = render_movie(truth, o);
  ASSERT_EQ(movie.shape, (std::vector<int64_t>{3, 1, 32, 32}));
  for (int64_t t = 0; t < 3; ++t) {
    double m = 0, mx = 0, my = 0;
    for (int64_t i = 0; i < 32; ++i) {
      for (int64_t j = 0; j < 32; ++j) {
        const double v = movie.data[t * 1024 + i * 32 + j];
        m += v;
        mx += v * (j + 0.5);
        my += v * (i + 0.5);
      }
    }
    // Pixel column j + 0.5 is x = -2 + (j + 0.5) / 32 * 4.
    EXPECT_NEAR(-2 + mx / m / 32 * 4, truth.at(t, 0), 1e-3) << "frame " << t;
    EXPECT_NEAR(-2 + my / m / 32 * 4, truth.at(t, 1), 1e-3) << "frame " << t;
  }
  // A disc is as bright as 1 in its middle, 0 far away.
  o.sprite = "disc";
  o.radius = 4;
  const Array disc = render_movie(truth, o);
  EXPECT_NEAR(disc.data[16 * 32 + 16], 1.0, 1e-3);
  EXPECT_NEAR(disc.data[0], 0.0, 1e-6);
  o.size = 30;
  EXPECT_THROW(render_movie(truth, o), ConfigError);
}

}  // namespace
}  // namespace dynae

TEST(Driven, ARotationCirculatesAtOmegaAndItsRotationalFractionIsKnown) {
  // V = |x|^2 / 2 with the drift 2 J x: the density stays N(0, kT), and one
  // step's mean angular momentum E[x_t cross x_t+1] = omega dt E|x|^2.
  const double kT = 0.5, omega = 2.0, dt = 1e-3;
  const auto pot = make_harmonic(2, {1.0});
  LangevinOptions o;
  o.dt = dt;
  o.kT = kT;
  o.steps = 2000000;
  o.burn_in = 1000;
  o.start = {0, 0};
  o.seed = 4;
  o.rotation = omega;
  const Array x = simulate_langevin(*pot, o)[0];
  double cross = 0;
  for (int64_t t = 0; t + 1 < x.frames(); ++t) cross += x.at(t, 0) * x.at(t + 1, 1) - x.at(t, 1) * x.at(t + 1, 0);
  cross /= static_cast<double>(x.frames() - 1) * dt;
  EXPECT_NEAR(cross, omega * 2 * kT, 0.08);
  for (int64_t c = 0; c < 2; ++c) EXPECT_NEAR(column_variance(x, c), kT, 0.1 * kT);
  // f = -x + omega J x: the rotational share of |f|^2 is omega^2 / (1 + omega^2)
  EXPECT_NEAR(system_rotational_fraction(*pot, omega, {0, 0}, {x}), 0.8, 0.016);
  EXPECT_LT(system_rotational_fraction(*pot, 0.0, {0, 0}, {x}), 1e-3);
  // reversed: the same fraction, the circulation reversed
  o.rotation = -omega;
  const Array y = simulate_langevin(*pot, o)[0];
  double back = 0;
  for (int64_t t = 0; t + 1 < y.frames(); ++t) back += y.at(t, 0) * y.at(t + 1, 1) - y.at(t, 1) * y.at(t + 1, 0);
  EXPECT_LT(back, 0);
  // 2-D only
  const auto three = make_harmonic(3, {1.0});
  o.start = {0, 0, 0};
  EXPECT_THROW(simulate_langevin(*three, o), ConfigError);
  o.start = {0, 0};
  o.rotation_centre = {0};
  EXPECT_THROW(simulate_langevin(*pot, o), ConfigError);
}

TEST(Transformations, EveryMoveIsOnePrimitiveAppliedExactlyAndTheSeedReproducesIt) {
  TransformationOptions o;
  o.frames = 4000;
  o.seed = 3;
  const TransformationSequence s = simulate_transformations(o)[0];
  ASSERT_EQ(s.pose.shape, (std::vector<int64_t>{4000, 4}));
  ASSERT_EQ(s.moves.shape, (std::vector<int64_t>{3999, 2}));
  ASSERT_EQ(s.movie.shape, (std::vector<int64_t>{4000, 1, 32, 32}));
  const double pi = 3.14159265358979323846;
  std::vector<int> counts(4, 0);
  for (int64_t t = 0; t + 1 < o.frames; ++t) {
    const int k = static_cast<int>(s.moves.at(t, 0));
    const double v = s.moves.at(t, 1);
    ASSERT_TRUE(k >= 0 && k < 4);
    ++counts[static_cast<size_t>(k)];
    const double step = o.step[static_cast<size_t>(k)];
    EXPECT_GE(std::abs(v), 0.5 * step - 1e-12);
    EXPECT_LE(std::abs(v), 1.5 * step + 1e-12);
    double change[4] = {s.pose.at(t + 1, 0) - s.pose.at(t, 0), s.pose.at(t + 1, 1) - s.pose.at(t, 1),
                        std::remainder(s.pose.at(t + 1, 3) - s.pose.at(t, 3), 2 * pi),
                        std::log(s.pose.at(t + 1, 2) / s.pose.at(t, 2))};
    for (int j = 0; j < 4; ++j) {
      // pose columns 0, 1, 3, 2 are the primitives 0, 1, 2, 3
      EXPECT_NEAR(change[j], j == k ? v : 0.0, 1e-9) << "step " << t << " primitive " << k << " column " << j;
    }
    EXPECT_LE(std::abs(s.pose.at(t + 1, 0)), 16.0);
    EXPECT_GT(s.pose.at(t + 1, 3), -pi - 1e-12);
    EXPECT_LE(s.pose.at(t + 1, 3), pi + 1e-12);
  }
  for (int c : counts) EXPECT_NEAR(c, 1000, 120);  // uniform among the four
  const TransformationSequence again = simulate_transformations(o)[0];
  EXPECT_EQ(again.pose.data, s.pose.data);
  EXPECT_EQ(again.movie.data, s.movie.data);
  const std::vector<TransformationSequence> two = simulate_transformations(o, 2);
  EXPECT_EQ(two[0].pose.data, s.pose.data);  // the first of several is the one alone
  EXPECT_NE(two[1].pose.data, s.pose.data);
  EXPECT_THROW(simulate_transformations(o, 0), ConfigError);
  // A primitive at step 0 is never drawn
  TransformationOptions three;
  three.frames = 500;
  apply_transformation_parameters(three, {{"scale", 0.0}});
  const TransformationSequence t3 = simulate_transformations(three)[0];
  for (int64_t t = 0; t < t3.moves.frames(); ++t) EXPECT_NE(t3.moves.at(t, 0), 3.0);
}

TEST(Transformations, FramesShowThePoseAndBadOptionsAreNamed) {
  // A whole-pixel translation shifts the picture by that many pixels; half a turn changes it (the L is not symmetric).
  Array pose({3, 4}, {0, 0, 2.5, 0.3, 3, 0, 2.5, 0.3, 0, 0, 2.5, 0.3 + 3.14159265358979323846});
  const Array f = render_transformation_frames(pose, 32);
  double shifted = 0, turned = 0;
  for (int64_t i = 0; i < 32; ++i) {
    for (int64_t j = 0; j + 3 < 32; ++j) {
      shifted = std::max(shifted, std::abs(f.data[static_cast<size_t>(32 * 32 + i * 32 + j + 3)] -
                                           f.data[static_cast<size_t>(i * 32 + j)]));
    }
    for (int64_t j = 0; j < 32; ++j) {
      turned = std::max(turned, std::abs(f.data[static_cast<size_t>(2 * 32 * 32 + i * 32 + j)] -
                                         f.data[static_cast<size_t>(i * 32 + j)]));
    }
  }
  EXPECT_LT(shifted, 1e-12);
  EXPECT_GT(turned, 0.3);
  auto refused = [](TransformationOptions o, const std::string& what) {
    try {
      o.validate();
      ADD_FAILURE() << "accepted: " << what;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  TransformationOptions o;
  o.step[2] = 3.0;
  refused(o, "the step of rotate (3 radians) is too large");
  o = TransformationOptions();
  o.step[0] = -1;
  refused(o, "the step of translate_x must be a number >= 0");
  o = TransformationOptions();
  o.step = {0, 0, 0, 0};
  refused(o, "every primitive's step is 0");
  o = TransformationOptions();
  o.size = 24;
  refused(o, "frame size = 24 is invalid");
  o = TransformationOptions();
  o.frames = 1;
  refused(o, "frames = 1 is invalid");
  TransformationOptions p;
  EXPECT_THROW(apply_transformation_parameters(p, {{"shear", 1.0}}), ConfigError);
  EXPECT_THROW(make_system_potential("transformations"), ConfigError);
}
