// Free-energy landscapes, basins, state statistics, the force-field grid and
// the learned dynamics run forward (generate).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <ATen/CPUGeneratorImpl.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>

#include "dynae/training/estimator.h"
#include "dynae/analysis/helmholtz.h"
#include "dynae/analysis/landscape.h"
#include "dynae/experiments/model_landscape.h"
#include "dynae/data/npy.h"
#include "dynae/errors.h"
#include "dynae/models/model.h"
#include "models/latent_diffusion.h"
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
std::shared_ptr<Model::Impl> harmonic_impl(const std::string& kind, double k) {
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
  return impl;
}

/// A model whose force is -k z (hidden layers in their linear range).
Model harmonic_model(const std::string& kind, double k) { return Model(harmonic_impl(kind, k)); }

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

namespace {

/// Second moment / 2 of the residual moves z' - (1 - k) z of generated trajectories (steps + 1, M, 2).
std::vector<double> residual_diffusion(const Array& z, double k) {
  const int64_t rows = z.shape[0], m = z.shape[1];
  std::vector<double> c(4, 0.0);
  int64_t n = 0;
  for (int64_t t = 0; t + 1 < rows; ++t) {
    for (int64_t i = 0; i < m; ++i) {
      double r[2];
      for (int64_t j = 0; j < 2; ++j) r[j] = z.data[((t + 1) * m + i) * 2 + j] - (1 - k) * z.data[(t * m + i) * 2 + j];
      for (int64_t a = 0; a < 2; ++a) {
        for (int64_t b = 0; b < 2; ++b) c[a * 2 + b] += r[a] * r[b];
      }
      ++n;
    }
  }
  for (double& v : c) v /= 2.0 * static_cast<double>(n);
  return c;
}

}  // namespace

TEST(LatentDiffusion, MeasuredFromTheResidualMovesOfAKnownTransition) {
  const double k = 0.1;
  Model m = harmonic_model("dynae", k);
  // z1 = z0 + f(z0) + L xi with L L^T = 2 D, D known; weighted: half the pairs with D_a (weight 1), half with D_b (3).
  const double da[4] = {0.8, 0.1, 0.1, 1.2}, db[4] = {1.0, -0.2, -0.2, 0.6};
  const int64_t n = 200000;
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal;
  std::vector<float> z0(2 * n), z1(2 * n);
  std::vector<double> w(n);
  for (int64_t p = 0; p < n; ++p) {
    const double* dd = p % 2 ? db : da;
    const double l00 = std::sqrt(2 * dd[0]), l10 = 2 * dd[1] / l00, l11 = std::sqrt(2 * dd[3] - l10 * l10);
    const double x = 4 * normal(rng), y = 4 * normal(rng), e0 = normal(rng), e1 = normal(rng);
    z0[2 * p] = static_cast<float>(x);
    z0[2 * p + 1] = static_cast<float>(y);
    z1[2 * p] = static_cast<float>((1 - k) * x + l00 * e0);
    z1[2 * p + 1] = static_cast<float>((1 - k) * y + l10 * e0 + l11 * e1);
    w[p] = p % 2 ? 3.0 : 1.0;
  }
  LangevinPriorImpl& prior = *m.impl().prior;
  const Array plain = measure_latent_diffusion(prior, z0.data(), z1.data(), n, 2, {});
  const Array weighted = measure_latent_diffusion(prior, z0.data(), z1.data(), n, 2, w);
  ASSERT_EQ(plain.shape, (std::vector<int64_t>{2, 2}));
  ASSERT_EQ(weighted.shape, (std::vector<int64_t>{2, 2}));
  for (int64_t e = 0; e < 4; ++e) {
    // Standard error of a second moment of 200000 (100000) draws: below 0.01 here.
    EXPECT_NEAR(plain.data[e], 0.5 * (da[e] + db[e]), 0.015) << "element " << e;
    EXPECT_NEAR(weighted.data[e], 0.25 * da[e] + 0.75 * db[e], 0.015) << "element " << e;
  }
  EXPECT_EQ(plain.data[1], plain.data[2]);
  // A latent that never moves along one direction has no diffusion matrix: empty, the unit noise stays.
  for (int64_t p = 0; p < n; ++p) z1[2 * p + 1] = static_cast<float>((1 - k) * z0[2 * p + 1]);
  EXPECT_EQ(measure_latent_diffusion(prior, z0.data(), z1.data(), n, 2, {}).size(), 0);
}

TEST(Generate, MeasuredLatentDiffusionSetsTheNoiseUnlessUnitDiffusionIsAsked) {
  const double k = 0.1;
  const Model unit = harmonic_model("dynae", k);
  const Array start({2, 2}, {5, 5, -5, 0});
  const Array z_unit = unit.simulate_latent(start, 50000, 3);
  auto impl = harmonic_impl("dynae", k);
  impl->latent_diffusion = Array({2, 2}, {1.0, 0.0, 0.0, 1.0});
  // D = I measured: the same draws, the same trajectory as the prior's unit noise.
  EXPECT_EQ(Model(impl).simulate_latent(start, 2000, 3).data, unit.simulate_latent(start, 2000, 3).data);
  const double d[4] = {0.9, 0.15, 0.15, 0.7};
  impl->latent_diffusion = Array({2, 2}, {d[0], d[1], d[2], d[3]});
  const Model measured(impl);
  const std::vector<double> got = residual_diffusion(measured.simulate_latent(start, 50000, 3), k);
  const std::vector<double> asked_unit = residual_diffusion(measured.simulate_latent(start, 50000, 3, nullptr, true), k);
  const std::vector<double> prior_unit = residual_diffusion(z_unit, k);
  for (int64_t e = 0; e < 4; ++e) {
    EXPECT_NEAR(got[e], d[e], 0.02) << "element " << e;
    EXPECT_NEAR(asked_unit[e], e == 0 || e == 3 ? 1.0 : 0.0, 0.02) << "element " << e;
    EXPECT_EQ(asked_unit[e], prior_unit[e]) << "unit_diffusion = true is the prior's own noise";
  }
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
  // The refit measures the latent's diffusion (symmetric positive definite, near the unit the prior assumes).
  EXPECT_EQ(plain.latent_diffusion().size(), 0);
  const Array& dr = refit.latent_diffusion();
  ASSERT_EQ(dr.shape, (std::vector<int64_t>{2, 2}));
  EXPECT_TRUE(valid_latent_diffusion(dr));
  {
    // It is the residual moves' second moment / 2 of the training pairs: within a few per cent of every pair's.
    const Array f = refit.force(z);
    double c[4] = {0, 0, 0, 0};
    for (int64_t t = 0; t + 1 < z.frames(); ++t) {
      const double r0 = z.at(t + 1, 0) - z.at(t, 0) - f.at(t, 0), r1 = z.at(t + 1, 1) - z.at(t, 1) - f.at(t, 1);
      c[0] += r0 * r0, c[1] += r0 * r1, c[3] += r1 * r1;
    }
    const double pairs = 2.0 * static_cast<double>(z.frames() - 1);
    EXPECT_NEAR(dr.at(0, 0), c[0] / pairs, 0.05 * c[0] / pairs);
    EXPECT_NEAR(dr.at(1, 1), c[3] / pairs, 0.05 * c[3] / pairs);
    EXPECT_NEAR(dr.at(0, 1), c[1] / pairs, 0.05 * std::sqrt(c[0] * c[3]) / pairs);
  }
  const double before = nll(plain), after = nll(refit);
  std::printf("transition NLL of the final latent: %.5f without refit, %.5f with\n", before, after);
  EXPECT_LT(after, before - 1e-3);
}

namespace {

struct KnownField {
  std::vector<double> x, y;
  Array field, weights;
  Array gradient_part, rotational_part;  // the truth, rotation about the weights' centre
  Array potential;                       // V - min V
};

/// f = -grad V + omega J (x - centre) on a grid, weights exp(-V / kT). The
/// truth's rotational part is the rotation about the weights' centre m: the
/// uniform rest omega J (m - centre) is a gradient (of a linear potential).
KnownField known_field(bool three_wells, double omega, double cx, double cy) {
  KnownField k;
  const int64_t nx = 80, ny = 72;
  for (int64_t i = 0; i < nx; ++i) k.x.push_back(-2.0 + 4.0 * static_cast<double>(i) / (nx - 1));
  for (int64_t j = 0; j < ny; ++j) k.y.push_back(-1.8 + 3.6 * static_cast<double>(j) / (ny - 1));
  const double wells[3][2] = {{0, 1}, {-0.9, -0.5}, {0.9, -0.5}};
  auto potential = [&](double x, double y, double& gx, double& gy) {
    if (!three_wells) {
      gx = 4 * x * (x * x - 1);
      gy = 2 * y;
      return (x * x - 1) * (x * x - 1) + y * y;
    }
    double v = 0.1 * (x * x + y * y);
    gx = 0.2 * x;
    gy = 0.2 * y;
    for (const auto& w : wells) {
      const double e = std::exp(-((x - w[0]) * (x - w[0]) + (y - w[1]) * (y - w[1])) / 0.3);
      v -= e;
      gx += e * 2 * (x - w[0]) / 0.3;
      gy += e * 2 * (y - w[1]) / 0.3;
    }
    return v;
  };
  k.field = Array::zeros({nx, ny, 2});
  k.weights = Array::zeros({nx, ny});
  k.potential = Array::zeros({nx, ny});
  std::vector<double> gx(nx * ny), gy(nx * ny);
  double wsum = 0, mx = 0, my = 0, vmin = INFINITY;
  for (int64_t i = 0; i < nx; ++i) {
    for (int64_t j = 0; j < ny; ++j) {
      const int64_t c = i * ny + j;
      const double v = potential(k.x[i], k.y[j], gx[c], gy[c]);
      k.potential.data[c] = v;
      vmin = std::min(vmin, v);
      k.weights.data[c] = std::exp(-v / 0.6);
      wsum += k.weights.data[c];
      mx += k.weights.data[c] * k.x[i];
      my += k.weights.data[c] * k.y[j];
      k.field.data[2 * c] = -gx[c] - omega * (k.y[j] - cy);
      k.field.data[2 * c + 1] = -gy[c] + omega * (k.x[i] - cx);
    }
  }
  mx /= wsum;
  my /= wsum;
  k.gradient_part = Array::zeros({nx, ny, 2});
  k.rotational_part = Array::zeros({nx, ny, 2});
  for (int64_t i = 0; i < nx; ++i) {
    for (int64_t j = 0; j < ny; ++j) {
      const int64_t c = i * ny + j;
      k.rotational_part.data[2 * c] = -omega * (k.y[j] - my);
      k.rotational_part.data[2 * c + 1] = omega * (k.x[i] - mx);
      k.gradient_part.data[2 * c] = k.field.data[2 * c] - k.rotational_part.data[2 * c];
      k.gradient_part.data[2 * c + 1] = k.field.data[2 * c + 1] - k.rotational_part.data[2 * c + 1];
      k.potential.data[c] -= vmin;
    }
  }
  return k;
}

/// Weighted relative L2 error of a (n, m, 2) field against the truth.
double weighted_error(const Array& got, const Array& truth, const Array& w) {
  double num = 0, den = 0;
  for (int64_t c = 0; c < w.size(); ++c) {
    for (int k = 0; k < 2; ++k) {
      num += w.data[c] * std::pow(got.data[2 * c + k] - truth.data[2 * c + k], 2);
      den += w.data[c] * std::pow(truth.data[2 * c + k], 2);
    }
  }
  return std::sqrt(num / den);
}

double weighted_fraction(const Array& part, const Array& whole, const Array& w) {
  double num = 0, den = 0;
  for (int64_t c = 0; c < w.size(); ++c) {
    num += w.data[c] * (std::pow(part.data[2 * c], 2) + std::pow(part.data[2 * c + 1], 2));
    den += w.data[c] * (std::pow(whole.data[2 * c], 2) + std::pow(whole.data[2 * c + 1], 2));
  }
  return num / den;
}

}  // namespace

TEST(Helmholtz, RecoversTheGradientAndTheRotationOfKnownFieldsWithin2Percent) {
  struct Case {
    bool three_wells;
    double omega, cx, cy;
  };
  for (const Case& t : {Case{false, 1.0, 0, 0}, Case{false, 2.5, 0.3, -0.2}, Case{true, 1.0, 0, 0},
                        Case{true, -0.7, 0.2, 0.1}}) {
    SCOPED_TRACE("three wells " + std::to_string(t.three_wells) + ", omega " + std::to_string(t.omega));
    const KnownField k = known_field(t.three_wells, t.omega, t.cx, t.cy);
    const HelmholtzSplit h = helmholtz_split(k.x, k.y, k.field, k.weights);
    EXPECT_LT(weighted_error(h.curl_free, k.gradient_part, k.weights), 0.02);
    EXPECT_LT(weighted_error(h.div_free, k.rotational_part, k.weights), 0.02);
    const double truth = weighted_fraction(k.rotational_part, k.field, k.weights);
    EXPECT_NEAR(h.rotational_fraction, truth, 0.02 * truth);
    EXPECT_GT(truth, 0.05);
  }
}

TEST(Helmholtz, AGradientFieldHasNoRotationalPartAndItsPotentialBack) {
  const KnownField k = known_field(true, 0.0, 0, 0);
  const HelmholtzSplit h = helmholtz_split(k.x, k.y, k.field, k.weights);
  EXPECT_LT(h.rotational_fraction, 1e-4);
  EXPECT_LT(weighted_error(h.curl_free, k.field, k.weights), 0.01);
  // the potential, up to the constant that puts its minimum at zero
  double worst = 0;
  for (int64_t c = 0; c < k.weights.size(); ++c) {
    if (k.weights.data[c] > 0.05 * std::exp(0.0)) worst = std::max(worst, std::abs(h.potential.data[c] - k.potential.data[c]));
  }
  EXPECT_LT(worst, 0.02);
  // uniform weights: the same
  EXPECT_LT(helmholtz_split(k.x, k.y, k.field).rotational_fraction, 1e-4);
}

TEST(Helmholtz, ARigidRotationIsAllRotational) {
  const KnownField k = known_field(false, 1.0, 0, 0);
  Array rotation = k.rotational_part;
  const HelmholtzSplit h = helmholtz_split(k.x, k.y, rotation, k.weights);
  EXPECT_NEAR(h.rotational_fraction, 1.0, 1e-3);
}

TEST(Helmholtz, BadInputIsRefusedWithTheReason) {
  const KnownField k = known_field(false, 1.0, 0, 0);
  EXPECT_THROW(helmholtz_split({0, 1, 2}, k.y, k.field), DataError);
  Array wrong = k.field;
  wrong.shape = {72, 80, 2};
  EXPECT_THROW(helmholtz_split(k.x, k.y, wrong), DataError);
  Array nan = k.field;
  nan.data[7] = NAN;
  EXPECT_THROW(helmholtz_split(k.x, k.y, nan), DataError);
  Array negative = k.weights;
  negative.data[3] = -1;
  EXPECT_THROW(helmholtz_split(k.x, k.y, k.field, negative), DataError);
  EXPECT_THROW(helmholtz_split(k.x, k.y, k.field, Array::zeros({80, 72})), DataError);
  std::vector<double> uneven = k.x;
  uneven[5] += 0.01;
  EXPECT_THROW(helmholtz_split(uneven, k.y, k.field), DataError);
}

TEST(Landscape, AConservativeForceBringsItsFreeEnergyAndNoRotationalPart) {
  const std::string dir = "/tmp/dynae_test_landscape_conservative";
  auto gen = at::make_generator<at::CPUGeneratorImpl>(7);
  TrajectorySet data;
  data.add("x", gaussian_mixture(6000, {{0.6, -1.0, 0.0, 0.4, 0.5}, {0.4, 1.0, 0.5, 0.5, 0.4}}, 5));
  LandscapeOptions lo;
  lo.bins = 32;
  for (const bool conservative : {true, false}) {
    SCOPED_TRACE(conservative ? "conservative" : "free");
    const ModelOptions o = ModelOptions().set_force_field(conservative ? "conservative" : "free");
    auto impl = std::make_shared<Model::Impl>(o, std::vector<int64_t>{2}, std::vector<int64_t>{2}, gen);
    impl->train(false);
    const Model model(impl);
    EXPECT_EQ(model.has_potential(), conservative);
    const ModelLandscape m = model_landscape(model, data, lo);
    ASSERT_TRUE(m.has_helmholtz);
    ASSERT_EQ(m.rotational_fractions.size(), 1u);
    EXPECT_EQ(m.helmholtz.div_free.shape, (std::vector<int64_t>{32, 32, 2}));
    if (conservative) {
      ASSERT_EQ(m.model_free_energy.shape, (std::vector<int64_t>{32, 32}));
      EXPECT_EQ(*std::min_element(m.model_free_energy.data.begin(), m.model_free_energy.data.end()), 0.0);
      EXPECT_TRUE(std::isfinite(m.free_energy_rmse));
      EXPECT_GT(m.free_energy_bins, 50);
      ASSERT_EQ(m.model_populations.size(), static_cast<size_t>(m.landscape.basins()));
      double total = 0;
      for (double p : m.model_populations) total += p;
      EXPECT_NEAR(total, 1.0, 1e-12);
      // -grad U on the grid is a gradient field: nothing rotational
      EXPECT_LT(m.helmholtz.rotational_fraction, 0.01);
      // and U on the grid is the potential of the curl-free part, up to a constant
      const Array& u = m.model_free_energy;
      double worst = 0;
      for (int64_t c = 0; c < u.size(); ++c) {
        if (m.landscape.counts.data[c] > 0) worst = std::max(worst, std::abs(u.data[c] - m.helmholtz.potential.data[c]));
      }
      const double range = *std::max_element(u.data.begin(), u.data.end());
      EXPECT_LT(worst, 0.05 * range + 1e-3);
    } else {
      EXPECT_EQ(m.model_free_energy.size(), 0);
      EXPECT_THROW(model.free_energy(Array({1, 2}, {0.0, 0.0})), Error);
    }
    write_landscape(dir, m);
    EXPECT_EQ(conservative, ::access((dir + "/model_free_energy.npy").c_str(), F_OK) == 0);
    std::remove((dir + "/model_free_energy.npy").c_str());
    EXPECT_EQ(read_npy(dir + "/force_div_free.npy").shape, (std::vector<int64_t>{32, 32, 2}));
    std::ifstream csv(dir + "/helmholtz.csv");
    std::string header, row;
    std::getline(csv, header);
    std::getline(csv, row);
    EXPECT_EQ(header, "coordinate_i,coordinate_j,rotational_fraction");
    EXPECT_EQ(row.rfind("0,1,", 0), 0u);
  }
  // d = 3: a row per pair, and a slice of U is not compared with a projection
  const ModelOptions o3 = ModelOptions().set_force_field("conservative").set_latent_dim(3);
  auto impl3 = std::make_shared<Model::Impl>(o3, std::vector<int64_t>{2}, std::vector<int64_t>{2}, gen);
  const ModelLandscape m3 = model_landscape(Model(impl3), data, lo);
  ASSERT_EQ(m3.rotational_fractions.size(), 3u);
  for (const auto& p : m3.rotational_fractions) EXPECT_LT(p.rotational_fraction, 0.01);
  EXPECT_TRUE(std::isnan(m3.free_energy_rmse));
  EXPECT_EQ(m3.model_free_energy.shape, (std::vector<int64_t>{32, 32}));
}

TEST(Generate, AConservativeForceSamplesExpMinusUExactlyWithLearnedDiffusionToo) {
  // A 1-D well U made by hand in the potential net (two tanh steps), deep
  // enough that no chain leaves it, and a random learned diffusion D(z).
  auto gen = at::make_generator<at::CPUGeneratorImpl>(11);
  for (const bool learn_diffusion : {false, true}) {
    SCOPED_TRACE(learn_diffusion ? "learned diffusion" : "unit diffusion");
    const ModelOptions o =
        ModelOptions().set_latent_dim(1).set_force_field("conservative").set_learn_diffusion(learn_diffusion);
    auto impl = std::make_shared<Model::Impl>(o, std::vector<int64_t>{2}, std::vector<int64_t>{2}, gen);
    {
      torch::NoGradGuard no_grad;
      const auto& layers = impl->prior->potential_net()->layers();
      for (const auto& l : layers) {
        l->weight.zero_();
        l->bias.zero_();
      }
      // U ~ -10 (tanh(z / 2 + 2) - tanh(z / 2 - 2)): flat inside |z| < 4, walls ~19 kT high
      layers[0]->weight[0][0] = 0.5;
      layers[0]->bias[0] = 2;
      layers[0]->weight[1][0] = 0.5;
      layers[0]->bias[1] = -2;
      layers[1]->weight[0][0] = 0.1;
      layers[1]->weight[1][1] = 0.1;
      layers[2]->weight[0][0] = -100;
      layers[2]->weight[0][1] = 100;
    }
    impl->train(false);
    const Model model(impl);
    double acceptance = 0;
    const Array z = model.simulate_latent(Array::zeros({100, 1}), 4000, 3, &acceptance);
    EXPECT_GT(acceptance, 0.3);
    EXPECT_LT(acceptance, 1.0);
    // histogram of steps 500.. against exp(-U) on the same bins
    const int64_t bins = 32;
    const double lo = -8, hi = 8, width = (hi - lo) / bins;
    std::vector<double> hist(bins, 0.0), expected(bins, 0.0);
    double inside = 0;
    for (int64_t t = 500 * 100; t < z.size(); ++t) {
      const int64_t b = static_cast<int64_t>(std::floor((z.data[t] - lo) / width));
      ASSERT_TRUE(b >= 0 && b < bins) << "a chain left the well: " << z.data[t];
      hist[b] += 1;
      inside += 1;
    }
    std::vector<double> grid;
    for (int64_t k = 0; k < bins * 50; ++k) grid.push_back(lo + (static_cast<double>(k) + 0.5) * width / 50);
    const Array u = model.free_energy(Array({static_cast<int64_t>(grid.size()), 1}, grid));
    double mass = 0;
    for (size_t k = 0; k < grid.size(); ++k) {
      expected[k / 50] += std::exp(-u.data[k]);
      mass += std::exp(-u.data[k]);
    }
    double worst = 0;
    for (int64_t b = 0; b < bins; ++b) worst = std::max(worst, std::abs(hist[b] / inside - expected[b] / mass));
    EXPECT_LT(worst, 0.01);
  }
}

TEST(Helmholtz, OnTheDataSupportAloneARotationTangentToItsEdgeComesBack) {
  // f = -2 x + omega J x, weights exp(-|x|^2) inside the disc |x| < 1.5 and 0
  // outside, the field outside garbage: the split on the support alone
  // recovers omega J x (tangent to the disc's edge), fraction omega^2 / (4 + omega^2).
  const int64_t n = 64;
  std::vector<double> x, y;
  for (int64_t i = 0; i < n; ++i) x.push_back(-2.0 + 4.0 * static_cast<double>(i) / (n - 1));
  y = x;
  const double omega = 1.5;
  Array field = Array::zeros({n, n, 2}), w = Array::zeros({n, n});
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      const int64_t c = i * n + j;
      const double r2 = x[i] * x[i] + y[j] * y[j];
      const bool inside = r2 < 1.5 * 1.5;
      w.data[c] = inside ? std::exp(-r2) : 0.0;
      field.data[2 * c] = inside ? -2 * x[i] - omega * y[j] : 1e3 * std::sin(static_cast<double>(c));
      field.data[2 * c + 1] = inside ? -2 * y[j] + omega * x[i] : 1e3 * std::cos(static_cast<double>(c));
    }
  }
  const HelmholtzSplit h = helmholtz_split(x, y, field, w, /*support_only=*/true);
  EXPECT_NEAR(h.rotational_fraction, omega * omega / (4 + omega * omega), 0.02);
  EXPECT_TRUE(std::isnan(h.potential.data[0]));  // off the support
  EXPECT_EQ(h.div_free.data[0], 0.0);
  // without the rotation nothing rotational is left
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      const int64_t c = i * n + j;
      if (w.data[c] > 0) {
        field.data[2 * c] += omega * y[j];
        field.data[2 * c + 1] -= omega * x[i];
      }
    }
  }
  EXPECT_LT(helmholtz_split(x, y, field, w, true).rotational_fraction, 0.005);
}
