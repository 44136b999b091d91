#include <gtest/gtest.h>
#include <torch/torch.h>

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "nn/mlp.h"
#include "dynae/errors.h"
#include "priors/langevin_prior.h"
#include "priors/substeps.h"

using namespace dynae;

namespace {

LangevinPrior make_prior(bool learn_diffusion, uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  LangevinPrior p(2, 16, learn_diffusion);
  init_layers(*p, gen);
  p->to(torch::kFloat64);
  return p;
}

// -log N(z1; mean, diag(var)) summed over coordinates.
torch::Tensor gaussian_nll(const torch::Tensor& z1, const torch::Tensor& mean, const torch::Tensor& var) {
  return 0.5 * (torch::log(2 * M_PI * var) + (z1 - mean).pow(2) / var).sum(1);
}

}  // namespace

TEST(LangevinPrior, ConstantDiffusionNllIsGaussianWithVarianceTwo) {
  LangevinPrior p = make_prior(false, 1);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(2);
  const torch::Tensor z0 = torch::randn({20, 2}, gen, torch::kFloat64);
  const torch::Tensor z1 = torch::randn({20, 2}, gen, torch::kFloat64);
  torch::NoGradGuard ng;
  const torch::Tensor mean = z0 + p->force(z0);
  const torch::Tensor full = gaussian_nll(z1, mean, torch::full_like(z0, 2.0));
  // Constants dropped: 0.5 * d * log(2 pi * 2) per pair.
  EXPECT_TRUE(torch::allclose(p->nll(z0, z1), full - 0.5 * 2 * std::log(4 * M_PI), 1e-12, 1e-12));
}

TEST(LangevinPrior, LearnedDiffusionNllIsGaussianWithVarianceTwoD) {
  LangevinPrior p = make_prior(true, 3);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(4);
  const torch::Tensor z0 = torch::randn({20, 2}, gen, torch::kFloat64);
  const torch::Tensor z1 = torch::randn({20, 2}, gen, torch::kFloat64);
  const torch::Tensor div = p->spurious_drift(z0, false).detach();
  torch::NoGradGuard ng;
  const torch::Tensor d = torch::exp(p->log_diffusion(z0));
  const torch::Tensor mean = z0 + d * p->force(z0) + div;
  const torch::Tensor full = gaussian_nll(z1, mean, 2 * d);
  EXPECT_TRUE(torch::allclose(p->nll(z0, z1).detach(), full - 0.5 * 2 * std::log(4 * M_PI), 1e-10, 1e-10));
}

TEST(LangevinPrior, SpuriousDriftMatchesFiniteDifferences) {
  LangevinPrior p = make_prior(true, 5);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(6);
  const torch::Tensor z = torch::randn({6, 2}, gen, torch::kFloat64);
  const torch::Tensor div = p->spurious_drift(z, false).detach();
  const double h = 1e-6;
  torch::NoGradGuard ng;
  for (int64_t i = 0; i < 2; ++i) {
    torch::Tensor zp = z.clone(), zm = z.clone();
    zp.select(1, i) += h;
    zm.select(1, i) -= h;
    // (div D)_i = dD_i/dz_i, D = exp(g)
    const torch::Tensor fd = (torch::exp(p->log_diffusion(zp)) - torch::exp(p->log_diffusion(zm))).select(1, i) / (2 * h);
    EXPECT_TRUE(torch::allclose(div.select(1, i), fd, 1e-7, 1e-8)) << div.select(1, i) << fd;
  }
  // Constant diffusion has no spurious drift.
  EXPECT_EQ(make_prior(false, 5)->spurious_drift(z, false).abs().sum().item<double>(), 0.0);
}

TEST(LangevinPrior, NllGradientReachesDiffusionNetThroughSpuriousDrift) {
  // The prior loss must be differentiable in the diffusion net through div D
  // too: compare its weight gradient with central differences.
  LangevinPrior p = make_prior(true, 7);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(8);
  const torch::Tensor z0 = torch::randn({10, 2}, gen, torch::kFloat64);
  const torch::Tensor z1 = z0 + torch::randn({10, 2}, gen, torch::kFloat64);
  torch::Tensor w;
  for (auto& kv : p->named_parameters()) {
    if (kv.key() == "log_diffusion.linear0.weight") w = kv.value();
  }
  ASSERT_TRUE(w.defined());
  p->zero_grad();
  p->nll(z0, z1).mean().backward();
  const torch::Tensor grad = w.grad().clone();
  const double h = 1e-6;
  for (int64_t r = 0; r < 3; ++r) {
    const double saved = w[r][0].item<double>();
    double f[2];
    for (int s = 0; s < 2; ++s) {
      {
        torch::NoGradGuard ng;
        w[r][0] = saved + (s ? -h : h);
      }
      f[s] = p->nll(z0, z1).mean().item<double>();
    }
    {
      torch::NoGradGuard ng;
      w[r][0] = saved;
    }
    EXPECT_NEAR(grad[r][0].item<double>(), (f[0] - f[1]) / (2 * h), 1e-6) << "row " << r;
  }
}

TEST(LangevinPrior, SampledMovesHaveMeanForceAndVarianceTwo) {
  // Stochastic: 200k samples, tolerance ~5 standard errors.
  LangevinPrior p = make_prior(false, 9);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(10);
  const torch::Tensor z0 = torch::zeros({200000, 2}, torch::kFloat64);
  const torch::Tensor moves = p->sample(z0, gen) - z0;
  torch::NoGradGuard ng;
  const torch::Tensor f = p->force(z0.slice(0, 0, 1));
  EXPECT_TRUE(torch::allclose(moves.mean(0), f.squeeze(0), 0, 0.02));
  EXPECT_TRUE(torch::allclose(moves.var(0), torch::full({2}, 2.0, torch::kFloat64), 0, 0.04));
  EXPECT_FALSE(moves.requires_grad());
}

// ---- Substeps per lag (option prior_substeps) ----

namespace {

/// A force net that is f(z) = -c z to within 1e-6 relative for |z| <~ 10:
/// tanh is linear for tiny arguments, so two tiny layers and a large last one.
LangevinPrior linear_force_prior(double c, int64_t substeps) {
  LangevinPrior p(2, 16, false, substeps);
  p->to(torch::kFloat64);
  torch::NoGradGuard ng;
  const double eps = 1e-4;
  auto layers = p->force_net()->layers();
  for (auto& l : layers) {
    l->weight.zero_();
    l->bias.zero_();
  }
  for (int64_t i = 0; i < 2; ++i) {
    layers[0]->weight[i][i] = eps;
    layers[1]->weight[i][i] = eps;
    layers[2]->weight[i][i] = -c / (eps * eps);
  }
  return p;
}

}  // namespace

TEST(PriorSubsteps, IntegrateIsRepeatedEulerStepsOfOneNth) {
  LangevinPrior p = make_prior(false, 11);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(12);
  const torch::Tensor z0 = torch::randn({7, 2}, gen, torch::kFloat64);
  const torch::Tensor noise = torch::randn({5, 7, 2}, gen, torch::kFloat64);
  torch::NoGradGuard ng;
  torch::Tensor z = z0.clone();
  for (int64_t k = 0; k < 5; ++k) z = z + 0.2 * p->force(z) + std::sqrt(0.4) * noise[k];
  EXPECT_TRUE(torch::allclose(p->integrate(z0, noise), z, 1e-12, 1e-12));
  // One substep is the reference's step
  EXPECT_TRUE(torch::allclose(p->integrate(z0, noise.slice(0, 0, 1)), z0 + p->force(z0) + std::sqrt(2.0) * noise[0],
                              1e-12, 1e-12));
}

TEST(PriorSubsteps, StiffLinearDriftGetsTheEulerRecurrenceVariance) {
  // f = -kappa z over one lag of n substeps of h = 1/n: from z0 = 0 the
  // variance is 2 h sum_k (1 - kappa h)^(2k); the exact SDE gives
  // (1 - exp(-2 kappa)) / kappa, which one step (variance 2) misses by 8x.
  const double kappa = 4.0;
  const int64_t N = 60000;
  for (int64_t n : {1, 8, 32}) {
    LangevinPrior p = linear_force_prior(kappa, n);
    auto gen = at::make_generator<at::CPUGeneratorImpl>(13);
    const torch::Tensor z1 = p->sample(torch::zeros({N, 2}, torch::kFloat64), gen);
    const double h = 1.0 / static_cast<double>(n);
    double expected = 0;
    for (int64_t k = 0; k < n; ++k) expected += 2 * h * std::pow(1 - kappa * h, 2.0 * k);
    const double var = z1.var(0).mean().item<double>();
    EXPECT_NEAR(var / expected, 1.0, 0.025) << n << " substeps";
  }
  const double exact = (1 - std::exp(-2 * kappa)) / kappa;
  LangevinPrior fine = linear_force_prior(kappa, 32);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(14);
  EXPECT_NEAR(fine->sample(torch::zeros({N, 2}, torch::kFloat64), gen).var(0).mean().item<double>() / exact, 1.067,
              0.02);
}

TEST(PriorSubsteps, EnergyScoreGradientMatchesFiniteDifferences) {
  LangevinPrior p = make_prior(false, 15);
  p->set_substeps(3);
  auto data = at::make_generator<at::CPUGeneratorImpl>(16);
  const torch::Tensor z0 = torch::randn({9, 2}, data, torch::kFloat64);
  const torch::Tensor z1 = z0 + torch::randn({9, 2}, data, torch::kFloat64);
  // The same draws every evaluation: a generator reseeded each time.
  auto score = [&] {
    auto gen = at::make_generator<at::CPUGeneratorImpl>(17);
    return p->energy_score(z0, z1, gen).mean();
  };
  p->zero_grad();
  score().backward();
  torch::Tensor w = p->force_net()->layers()[1]->weight;
  const torch::Tensor g = w.grad().clone();
  const double h = 1e-6;
  torch::NoGradGuard ng;
  for (auto [i, j] : {std::pair<int64_t, int64_t>{0, 0}, {3, 5}, {7, 2}}) {
    const double w0 = w[i][j].item<double>();
    w[i][j] = w0 + h;
    const double up = score().item<double>();
    w[i][j] = w0 - h;
    const double down = score().item<double>();
    w[i][j] = w0;
    EXPECT_NEAR(g[i][j].item<double>(), (up - down) / (2 * h), 1e-6) << i << "," << j;
  }
}

TEST(PriorSubsteps, EnergyScoreIsLeastForTheTrueForce) {
  // A proper score: on moves of f = -2 z, the force -2 z scores better than
  // one 40 % weaker or stronger (the choice the prior's fit has to make).
  LangevinPrior truth = linear_force_prior(2.0, 16);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(18);
  const torch::Tensor z0 = 0.7 * torch::randn({40000, 2}, gen, torch::kFloat64);
  const torch::Tensor z1 = truth->sample(z0, gen);
  torch::NoGradGuard ng;
  auto mean_score = [&](double c) {
    auto g = at::make_generator<at::CPUGeneratorImpl>(19);
    return linear_force_prior(c, 16)->energy_score(z0, z1, g).mean().item<double>();
  };
  const double own = mean_score(2.0);
  EXPECT_LT(own, mean_score(1.2) - 0.005);
  EXPECT_LT(own, mean_score(2.8) - 0.005);
}

TEST(PriorSubsteps, ChoiceFollowsTheRelaxationRateOfTheOneStepForce) {
  // A one-step fit of dynamics relaxing at kappa per lag is f = -(1 - e^-kappa) z.
  auto gen = at::make_generator<at::CPUGeneratorImpl>(20);
  const torch::Tensor z = torch::randn({500, 2}, gen, torch::kFloat64);
  for (double kappa : {0.05, 0.5, 3.0}) {
    LangevinPrior p = linear_force_prior(1 - std::exp(-kappa), 1);
    const SubstepChoice c = choose_substeps(*p, z);
    EXPECT_NEAR(c.kappa, kappa, 1e-3 * kappa);
    EXPECT_EQ(c.substeps, std::max<int64_t>(1, static_cast<int64_t>(std::ceil(kappa / kMaxSubstepRate))));
  }
  // Decorrelated within a lag (f = -z): kappa capped
  const SubstepChoice capped = choose_substeps(*linear_force_prior(1.0, 1), z);
  EXPECT_DOUBLE_EQ(capped.kappa, kKappaCap);
  EXPECT_EQ(capped.substeps, std::min<int64_t>(kMaxAutoSubsteps, std::ceil(kKappaCap / kMaxSubstepRate)));
  // Learned diffusion is one step only
  EXPECT_THROW(make_prior(true, 21)->set_substeps(2), ConfigError);
}

namespace {

LangevinPrior make_conservative_prior(uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  LangevinPrior p(3, 16, /*learn_diffusion=*/false, 1, /*conservative=*/true);
  init_layers(*p, gen);
  p->to(torch::kFloat64);
  return p;
}

}  // namespace

TEST(ConservativeForce, ForceIsMinusTheGradientOfThePotential) {
  LangevinPrior p = make_conservative_prior(31);
  EXPECT_TRUE(p->conservative());
  EXPECT_FALSE(p->force_net());
  const torch::Tensor z = torch::randn({7, 3}, torch::kFloat64);
  const torch::Tensor f = p->force(z);
  // central differences of U
  const double h = 1e-6;
  for (int64_t i = 0; i < 3; ++i) {
    torch::Tensor e = torch::zeros({1, 3}, torch::kFloat64);
    e[0][i] = h;
    const torch::Tensor fd = -(p->potential(z + e) - p->potential(z - e)) / (2 * h);
    EXPECT_LT((fd - f.select(1, i)).abs().max().item<double>(), 1e-7) << "coordinate " << i;
  }
  // and autograd's gradient agrees
  torch::Tensor zz = z.clone().requires_grad_(true);
  const torch::Tensor g = torch::autograd::grad({p->potential(zz).sum()}, {zz})[0];
  EXPECT_LT((g + f).abs().max().item<double>(), 1e-12);
  EXPECT_THROW(make_prior(false, 1)->potential(z.narrow(1, 0, 2)), Error);
}

TEST(ConservativeForce, TransitionLossGradientInTheWeightsMatchesFiniteDifferences) {
  LangevinPrior p = make_conservative_prior(33);
  const torch::Tensor z0 = torch::randn({16, 3}, torch::kFloat64);
  const torch::Tensor z1 = z0 + 0.3 * torch::randn({16, 3}, torch::kFloat64);
  auto loss = [&] { return p->nll(z0, z1).mean(); };
  for (auto& w : p->parameters()) w.mutable_grad() = torch::Tensor();
  loss().backward();
  const double h = 1e-6;
  int checked = 0;
  for (auto& w : p->parameters()) {
    // U's output bias does not move the force: no gradient reaches it
    const torch::Tensor grad = w.grad().defined() ? w.grad().clone() : torch::zeros_like(w);
    auto flat = w.data().view({-1});
    for (int64_t k = 0; k < flat.numel(); k += std::max<int64_t>(1, flat.numel() / 5)) {
      torch::NoGradGuard no_grad;
      const double old = flat[k].item<double>();
      flat[k] = old + h;
      const double up = loss().item<double>();
      flat[k] = old - h;
      const double down = loss().item<double>();
      flat[k] = old;
      EXPECT_NEAR((up - down) / (2 * h), grad.view({-1})[k].item<double>(), 1e-6);
      ++checked;
    }
  }
  EXPECT_GT(checked, 10);
}

TEST(ConservativeForce, SampledMovesFollowMinusTheGradient) {
  LangevinPrior p = make_conservative_prior(35);
  const torch::Tensor z0 = torch::randn({1, 3}, torch::kFloat64).repeat({40000, 1});
  auto gen = at::make_generator<at::CPUGeneratorImpl>(5);
  const torch::Tensor moves = p->sample(z0, gen) - z0;
  const torch::Tensor f = p->force(z0.narrow(0, 0, 1));
  EXPECT_LT((moves.mean(0) - f[0]).abs().max().item<double>(), 4 * std::sqrt(2.0 / 40000));
  EXPECT_NEAR(moves.var(0).mean().item<double>(), 2.0, 0.05);
}

TEST(ConservativeForce, StationaryLikelihoodIsNormalisedOnItsGrid) {
  // U constant: exp(-U) / Z is uniform on the grid's box, so -log p is the
  // log of its volume as the quadrature sees it, n^d cells of the spacing.
  for (const int64_t d : {1, 2, 3}) {
    auto gen = at::make_generator<at::CPUGeneratorImpl>(3);
    LangevinPrior p(d, 8, false, 1, true);
    {
      torch::NoGradGuard no_grad;
      for (auto& w : p->parameters()) w.zero_();
      p->potential_net()->layers().back()->bias.fill_(1.7);
    }
    const torch::Tensor z = torch::randn({50, d}, gen, torch::kFloat32);
    const torch::Tensor got = p->density_nll(z);
    const int64_t n = d == 1 ? 256 : d == 2 ? 64 : 24;
    double expected = 0;
    for (int64_t i = 0; i < d; ++i) {
      const double range = (z.select(1, i).max().item<double>() - z.select(1, i).min().item<double>()) +
                           2 * LangevinPriorImpl::kDensityMargin;
      expected += std::log(static_cast<double>(n) * range / static_cast<double>(n - 1));
    }
    EXPECT_NEAR(got.mean().item<double>(), expected, 1e-4) << "d = " << d;
    EXPECT_LT((got - got.mean()).abs().max().item<double>(), 1e-5);
  }
  // quadrature only up to d = 3 (score matching beyond)
  EXPECT_THROW(LangevinPrior(4, 8, false, 1, true)->density_nll(torch::zeros({3, 4})), Error);
}
