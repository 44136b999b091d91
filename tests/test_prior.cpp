#include <gtest/gtest.h>
#include <torch/torch.h>

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "nn/mlp.h"
#include "priors/langevin_prior.h"

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
