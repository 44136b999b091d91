#include <gtest/gtest.h>
#include <torch/torch.h>

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>

#include "losses/reconstruction.h"
#include "losses/sliced_wasserstein.h"

using namespace dynae;

TEST(SlicedWasserstein, OneDimensionIsMeanSquaredDifferenceOfSortedSamples) {
  const torch::Tensor a = torch::tensor({3.0, -1.0, 0.5, 2.0}, torch::kFloat64).reshape({4, 1});
  const torch::Tensor b = torch::tensor({0.0, 4.0, -2.0, 1.0}, torch::kFloat64).reshape({4, 1});
  // sorted a: -1, 0.5, 2, 3; sorted b: -2, 0, 1, 4 -> diffs 1, 0.5, 1, -1
  const double expected = (1.0 + 0.25 + 1.0 + 1.0) / 4.0;
  for (double sign : {1.0, -1.0}) {  // direction +1 or -1: the same distance
    const torch::Tensor dir = torch::full({1, 1}, sign, torch::kFloat64);
    EXPECT_NEAR(sliced_wasserstein(a, b, dir).item<double>(), expected, 1e-12);
  }
}

TEST(SlicedWasserstein, IdenticalSetsGiveZeroAndPermutationDoesNotMatter) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(3);
  const torch::Tensor a = torch::randn({64, 3}, gen, torch::kFloat64);
  const torch::Tensor dirs = random_directions(50, 3, gen, torch::kFloat64);
  EXPECT_EQ(sliced_wasserstein(a, a, dirs).item<double>(), 0.0);
  const torch::Tensor shuffled = a.index_select(0, torch::randperm(64, gen, torch::kLong));
  EXPECT_NEAR(sliced_wasserstein(a, shuffled, dirs).item<double>(), 0.0, 1e-24);
}

TEST(SlicedWasserstein, ShiftGivesSquaredProjectedShift) {
  // b = a + s: every projected difference is <s, u>, so SWD = mean_u <s, u>^2.
  auto gen = at::make_generator<at::CPUGeneratorImpl>(5);
  const torch::Tensor a = torch::randn({32, 2}, gen, torch::kFloat64);
  const torch::Tensor s = torch::tensor({0.3, -1.2}, torch::kFloat64);
  const torch::Tensor dirs = random_directions(10, 2, gen, torch::kFloat64);
  const double expected = dirs.matmul(s).pow(2).mean().item<double>();
  EXPECT_NEAR(sliced_wasserstein(a + s, a, dirs).item<double>(), expected, 1e-12);
}

TEST(SlicedWasserstein, DirectionsAreUnitVectors) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(1);
  const torch::Tensor d = random_directions(1000, 3, gen, torch::kFloat64);
  EXPECT_TRUE(torch::allclose(d.norm(2, {1}), torch::ones({1000}, torch::kFloat64)));
  // Uniform on the sphere: the mean is near 0 and E[u_i^2] = 1/3 (stochastic, 1000 samples).
  EXPECT_LT(d.mean(0).abs().max().item<double>(), 0.1);
  EXPECT_NEAR(d.pow(2).mean(0)[0].item<double>(), 1.0 / 3.0, 0.05);
}

TEST(SlicedWasserstein, GradientMatchesFiniteDifferences) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(11);
  torch::Tensor a = torch::randn({8, 2}, gen, torch::kFloat64).requires_grad_(true);
  const torch::Tensor b = torch::randn({8, 2}, gen, torch::kFloat64);
  const torch::Tensor dirs = random_directions(5, 2, gen, torch::kFloat64);
  sliced_wasserstein(a, b, dirs).backward();
  const torch::Tensor grad = a.grad().clone();
  const double h = 1e-6;
  torch::NoGradGuard no_grad;
  for (int64_t i = 0; i < 8; ++i) {
    for (int64_t k = 0; k < 2; ++k) {
      torch::Tensor ap = a.detach().clone(), am = a.detach().clone();
      ap[i][k] += h;
      am[i][k] -= h;
      const double fd = (sliced_wasserstein(ap, b, dirs).item<double>() - sliced_wasserstein(am, b, dirs).item<double>()) / (2 * h);
      EXPECT_NEAR(grad[i][k].item<double>(), fd, 1e-7) << i << "," << k;
    }
  }
}

TEST(Reconstruction, MeanOverBatchOfSummedSquaredError) {
  const torch::Tensor out = torch::tensor({{1.0, 2.0}, {0.0, 0.0}}, torch::kFloat64);
  const torch::Tensor tgt = torch::tensor({{0.0, 0.0}, {3.0, 0.0}}, torch::kFloat64);
  EXPECT_DOUBLE_EQ(reconstruction_error(out, tgt).item<double>(), (1.0 + 4.0 + 9.0) / 2.0);
  // Image-shaped frames are summed over every feature.
  EXPECT_DOUBLE_EQ(reconstruction_error(torch::ones({3, 1, 2, 2}), torch::zeros({3, 1, 2, 2})).item<double>(), 4.0);
}

namespace {

// The plain LibTorch formulation the fast path must reproduce.
torch::Tensor sliced_wasserstein_with_torch_sort(const torch::Tensor& a, const torch::Tensor& b,
                                                 const torch::Tensor& dirs) {
  const torch::Tensor pa = std::get<0>(a.matmul(dirs.t()).sort(0));
  const torch::Tensor pb = std::get<0>(b.matmul(dirs.t()).sort(0));
  return (pa - pb).pow(2).mean();
}

}  // namespace

TEST(SlicedWasserstein, ArgsortEqualsTorchSortIncludingTiesAndSigns) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(21);
  for (auto dtype : {torch::kFloat32, torch::kFloat64}) {
    torch::Tensor p = torch::randn({257, 7}, gen, dtype);
    p.index_put_({torch::indexing::Slice(0, 40)}, 0.5);  // ties
    p[41][0] = -0.0;
    p[42][0] = 0.0;
    p[43][1] = -1e30;
    p[44][1] = 1e-30;
    const torch::Tensor sorted = p.gather(0, argsort_columns(p));
    EXPECT_TRUE(torch::equal(sorted, std::get<0>(p.sort(0)))) << dtype;
    // Every row index appears once per column: a permutation.
    EXPECT_TRUE(torch::equal(std::get<0>(argsort_columns(p).sort(0)),
                             torch::arange(257, torch::kLong).unsqueeze(1).expand({257, 7})));
  }
}

TEST(SlicedWasserstein, FastPathEqualsPlainLibTorchPathWithGradients) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(22);
  for (auto dtype : {torch::kFloat32, torch::kFloat64}) {
    const torch::Tensor a0 = torch::randn({256, 2}, gen, dtype);
    const torch::Tensor b = torch::randn({256, 2}, gen, dtype);
    const torch::Tensor dirs = random_directions(50, 2, gen, dtype);
    torch::Tensor a1 = a0.clone().requires_grad_(true), a2 = a0.clone().requires_grad_(true);
    const torch::Tensor fast = sliced_wasserstein(a1, b, dirs);
    const torch::Tensor plain = sliced_wasserstein_with_torch_sort(a2, b, dirs);
    EXPECT_EQ(fast.item<double>(), plain.item<double>()) << dtype;  // same values, same order of summation
    fast.backward();
    plain.backward();
    EXPECT_TRUE(torch::allclose(a1.grad(), a2.grad(), 1e-6, 1e-9)) << dtype;
  }
}
