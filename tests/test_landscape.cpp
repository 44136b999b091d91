// Free-energy landscapes, basins, state statistics, the force-field grid and
// the learned dynamics run forward (generate).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <random>

#include "dynae/training/estimator.h"
#include "dynae/analysis/landscape.h"
#include "dynae/experiments/model_landscape.h"
#include "dynae/data/npy.h"
#include "dynae/errors.h"
#include "dynae/models/model.h"
#include "models/model_impl.h"

using namespace dynae;

namespace {

Array gaussian_mixture(int64_t n, const std::vector<std::array<double, 5>>& parts, uint64_t seed) {
  // parts: weight, mean x, mean y, sd x, sd y
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uni;
  std::vector<double> v;
  for (int64_t i = 0; i < n; ++i) {
    double u = uni(rng);
    size_t k = 0;
    while (k + 1 < parts.size() && u > parts[k][0]) u -= parts[k][0], ++k;
    v.push_back(parts[k][1] + parts[k][3] * normal(rng));
    v.push_back(parts[k][2] + parts[k][4] * normal(rng));
  }
  return Array({n, 2}, v);
}

/// A DynAE (or SDE-VAE) whose force is f(z) = -k z to within 1e-5: the force
/// net's tanh layers are kept in their linear range by tiny weights.
Model harmonic_model(const std::string& kind, double k) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(0);
  const ModelOptions o = ModelOptions().set_model(kind);
  auto impl = std::make_shared<Model::Impl>(o, std::vector<int64_t>{2}, std::vector<int64_t>{2}, gen);
  const double eps = 1e-3;
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> p = impl->prior->parameters();  // W1 b1 W2 b2 W3 b3
  for (auto& t : p) t.zero_();
  for (int64_t i = 0; i < 2; ++i) {
    p[0][i][i] = eps;
    p[2][i][i] = 1.0;
    p[4][i][i] = -k / eps;
  }
  impl->train(false);
  return Model(impl);
}

}  // namespace

TEST(Landscape, FreeEnergyOfAGaussianIsItsQuadratic) {
  const double sx = 1.0, sy = 2.0;
  const Array z = gaussian_mixture(400000, {{1.0, 0.0, 0.0, sx, sy}}, 1);
  LandscapeOptions o;
  o.bins = 40;
  const Landscape l = compute_landscape(z, o);
  ASSERT_EQ(l.free_energy.shape, (std::vector<int64_t>{40, 40}));
  // F - F_min against x^2 / 2 sx^2 + y^2 / 2 sy^2 - (its value at the lowest bin), on well-sampled bins.
  double fmin_model = INFINITY;
  for (int64_t i = 0; i < 40; ++i) {
    for (int64_t j = 0; j < 40; ++j) {
      const double x = l.axes[0][i], y = l.axes[1][j];
      fmin_model = std::min(fmin_model, x * x / (2 * sx * sx) + y * y / (2 * sy * sy));
    }
  }
  double worst = 0;
  int64_t checked = 0, unvisited = 0;
  for (int64_t i = 0; i < 40; ++i) {
    for (int64_t j = 0; j < 40; ++j) {
      const double f = l.free_energy.data[i * 40 + j];
      if (std::isnan(f)) {
        ++unvisited;
        EXPECT_EQ(l.counts.data[i * 40 + j], 0);
        EXPECT_EQ(l.basin.data[i * 40 + j], -1);
        continue;
      }
      if (l.counts.data[i * 40 + j] < 2000) continue;  // ln-count noise <= 0.022
      const double x = l.axes[0][i], y = l.axes[1][j];
      const double expect = x * x / (2 * sx * sx) + y * y / (2 * sy * sy) - fmin_model;
      worst = std::max(worst, std::fabs(f - expect));
      ++checked;
    }
  }
  EXPECT_GT(checked, 50);
  EXPECT_GT(unvisited, 0);
  EXPECT_LT(worst, 0.1) << "kT";
  EXPECT_EQ(l.basins(), 1);
  EXPECT_NEAR(l.centers.at(0, 0), 0.0, 0.5);
  EXPECT_NEAR(l.centers.at(0, 1), 0.0, 1.0);
  EXPECT_DOUBLE_EQ(l.populations[0], 1.0);
}

TEST(Landscape, ThreeWellsGiveThreeBasinsWithTheirPopulations) {
  const Array z = gaussian_mixture(200000, {{0.5, -4, 0, 1, 1}, {0.3, 4, 0, 1, 1}, {0.2, 0, 6, 1, 1}}, 2);
  const Landscape l = compute_landscape(z);
  ASSERT_EQ(l.basins(), 3);
  // Basins are numbered by increasing free energy: the most populated first.
  EXPECT_NEAR(l.populations[0], 0.5, 0.01);
  EXPECT_NEAR(l.populations[1], 0.3, 0.01);
  EXPECT_NEAR(l.populations[2], 0.2, 0.01);
  EXPECT_NEAR(l.centers.at(0, 0), -4, 0.5);
  EXPECT_NEAR(l.centers.at(2, 1), 6, 0.5);
  EXPECT_NEAR(l.basin_free_energy[0], 0.0, 1e-12);
  EXPECT_NEAR(l.basin_free_energy[2], std::log(0.5 / 0.2), 0.15);
  const std::vector<int64_t> lab = assign_basins(l, Array({3, 2}, {-4, 0, 4.2, 0.1, 100, 1}));
  EXPECT_EQ(lab, (std::vector<int64_t>{0, 1, 1}));  // far off the grid: the nearest centre
  // A barrier threshold above the barriers merges everything.
  LandscapeOptions high;
  high.min_barrier = 50;
  EXPECT_EQ(compute_landscape(z, high).basins(), 1);
  // One coordinate: two basins along x (the y-well projects onto x = 0, between them).
  LandscapeOptions x_only;
  x_only.coordinates = {0};
  const Landscape lx = compute_landscape(z, x_only);
  EXPECT_EQ(lx.dims(), 1);
  EXPECT_EQ(lx.free_energy.shape, (std::vector<int64_t>{64}));
  EXPECT_GE(lx.basins(), 2);
}

TEST(Landscape, BadInputAndOptions) {
  EXPECT_THROW(compute_landscape(Array({1, 2}, {0, 0})), DataError);
  EXPECT_THROW(compute_landscape(Array({3, 2}, {0, 1, 0, 2, 0, 3})), DataError);  // constant x
  LandscapeOptions o;
  o.coordinates = {0, 5};
  EXPECT_THROW(compute_landscape(Array({3, 2}, {0, 1, 1, 2, 2, 3}), o), DataError);
  o.coordinates = {};
  o.bins = 2;
  EXPECT_THROW(compute_landscape(Array({3, 2}, {0, 1, 1, 2, 2, 3}), o), ConfigError);
  EXPECT_THROW(compute_landscape(Array({3, 2}, {0, 1, NAN, 2, 2, 3})), DataError);
}

TEST(Landscape, StateStatisticsAndJensenShannonKnownAnswers) {
  const std::vector<int64_t> lab{0, 0, 1, 1, 1, 0, 2, 2};
  StateStatistics s = state_statistics(lab, 3);
  EXPECT_DOUBLE_EQ(s.populations[0], 3.0 / 8);
  EXPECT_DOUBLE_EQ(s.lifetimes[0], 1.5);
  EXPECT_DOUBLE_EQ(s.lifetimes[1], 3.0);
  EXPECT_EQ(s.visits[2], 1);
  s = state_statistics(lab, 4, {4, 4});  // the 1-run is cut at the trajectory end
  EXPECT_DOUBLE_EQ(s.lifetimes[1], 1.5);
  EXPECT_TRUE(std::isnan(s.lifetimes[3]));
  EXPECT_DOUBLE_EQ(jensen_shannon({1, 2, 3}, {2, 4, 6}), 0.0);
  EXPECT_NEAR(jensen_shannon({1, 0}, {0, 1}), std::log(2.0), 1e-12);
  // p = (1/2, 1/2), q = (1, 0): m = (3/4, 1/4)
  const double expect = 0.5 * (0.5 * std::log(0.5 / 0.75) + 0.5 * std::log(0.5 / 0.25)) + 0.5 * std::log(1 / 0.75);
  EXPECT_NEAR(jensen_shannon({1, 1}, {1, 0}), expect, 1e-12);
}

TEST(Landscape, ForceGridEqualsDirectModelEvaluation) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(5);
  const ModelOptions o = ModelOptions().set_latent_dim(3);
  auto impl = std::make_shared<Model::Impl>(o, std::vector<int64_t>{2}, std::vector<int64_t>{2}, gen);
  impl->train(false);
  const Model model(impl);
  TrajectorySet data;
  data.add("x", gaussian_mixture(5000, {{1.0, 0.0, 0.0, 1.0, 1.0}}, 3));
  LandscapeOptions lo;
  lo.bins = 16;
  lo.coordinates = {2, 0};
  const ModelLandscape m = model_landscape(model, data, lo);
  ASSERT_EQ(m.force.shape, (std::vector<int64_t>{16, 16, 3}));
  for (auto [i, j] : std::vector<std::pair<int64_t, int64_t>>{{0, 0}, {3, 11}, {15, 7}}) {
    std::vector<double> p = m.slice;
    p[2] = m.landscape.axes[0][i];
    p[0] = m.landscape.axes[1][j];
    const Array f = model.force(Array({1, 3}, p));
    // float32 networks: a batch of 256 and a batch of 1 may round differently.
    for (int64_t c = 0; c < 3; ++c) EXPECT_NEAR(m.force.data[(i * 16 + j) * 3 + c], f.data[c], 1e-6) << i << "," << j;
  }
  // The coordinate off the axes sits at the latent's mean.
  const Array z = model.encode(data.trajectories()[0].input);
  double mean1 = 0;
  for (int64_t t = 0; t < z.frames(); ++t) mean1 += z.at(t, 1) / z.frames();
  EXPECT_NEAR(m.slice[1], mean1, 1e-9);
  EXPECT_EQ(m.states.size(), 5000u);
}

TEST(Generate, HarmonicForceGivesTheAnalyticStationaryVariance) {
  const double k = 0.1;
  for (const std::string kind : {"dynae", "sdevae"}) {
    const Model m = harmonic_model(kind, k);
    const Array f = m.force(Array({1, 2}, {3.0, -2.0}));
    EXPECT_NEAR(f.data[0], -0.3, 1e-4);
    EXPECT_NEAR(f.data[1], 0.2, 1e-4);
    const Array z = m.simulate_latent(Array({2, 2}, {5, 5, -5, 0}), 100000, 3);
    ASSERT_EQ(z.shape, (std::vector<int64_t>{100001, 2, 2}));
    EXPECT_EQ(z.data[0], 5);
    // z' = (1 - k) z + sqrt(q) xi, q = 2 (DynAE) or 1 (SDE-VAE): var = q / (2k - k^2).
    const double q = kind == "dynae" ? 2.0 : 1.0, expect = q / (2 * k - k * k);
    double s = 0, ss = 0;
    int64_t n = 0;
    for (int64_t t = 1000; t <= 100000; ++t) {
      for (int64_t i = 0; i < 4; ++i) {
        const double v = z.data[t * 4 + i];
        s += v, ss += v * v, ++n;
      }
    }
    const double mean = s / n, var = ss / n - mean * mean;
    EXPECT_NEAR(mean, 0.0, 0.1) << kind;
    EXPECT_NEAR(var / expect, 1.0, 0.04) << kind << ": variance " << var << " expected " << expect;
  }
  const Model vae(std::make_shared<Model::Impl>(ModelOptions().set_model("vae"), std::vector<int64_t>{2},
                                                std::vector<int64_t>{2}));
  EXPECT_THROW(vae.simulate_latent(Array({1, 2}, {0, 0}), 10, 0), Error);
}

TEST(Generate, PriorRefitLowersTheFinalNllAndLeavesTheLatentAlone) {
  const Array x = read_npy(std::string(DYNAE_EXAMPLES_DIR) + "/data/three_state_transformed_traj_data200k.npy")
                      .slice_frames(0, 20000);
  TrajectorySet data;
  data.add("x", x);
  const ModelOptions o = ModelOptions().set_epochs(3).set_seed(1);
  const Model plain = Estimator(ModelOptions(o).set_prior_refit_steps(0)).fit(data);
  const Model refit = Estimator(ModelOptions(o).set_prior_refit_steps(400)).fit(data);
  const Array z = plain.encode(x);
  EXPECT_EQ(refit.encode(x).data, z.data);
  // Mean transition NLL of every consecutive pair of the final latent under each prior.
  auto nll = [&](const Model& m) {
    const Array f = m.force(z);
    double s = 0;
    for (int64_t t = 0; t + 1 < z.frames(); ++t) {
      for (int64_t j = 0; j < 2; ++j) {
        const double r = z.at(t + 1, j) - z.at(t, j) - f.at(t, j);
        s += 0.25 * r * r;
      }
    }
    return s / static_cast<double>(z.frames() - 1);
  };
  const double before = nll(plain), after = nll(refit);
  std::printf("transition NLL of the final latent: %.5f without refit, %.5f with\n", before, after);
  EXPECT_LT(after, before - 1e-3);
}
