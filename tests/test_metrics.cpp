#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "dynae/analysis/alignment.h"
#include "dynae/analysis/identifiability.h"
#include "dynae/analysis/metrics.h"
#include "dynae/errors.h"
#include "dynae/models/model.h"

using namespace dynae;

namespace {

Array random_walk(int64_t t, int64_t d, double step_sd, uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> n(0.0, step_sd);
  Array a = Array::zeros({t, d});
  for (int64_t i = 1; i < t; ++i) {
    for (int64_t k = 0; k < d; ++k) a.at(i, k) = a.at(i - 1, k) + n(gen);
  }
  return a;
}

// z = c * x * R(theta) + shift, optionally with different scales per axis.
Array transform(const Array& x, double sx, double sy, double theta) {
  Array z = Array::zeros(x.shape);
  for (int64_t i = 0; i < x.frames(); ++i) {
    const double a = sx * x.at(i, 0), b = sy * x.at(i, 1);
    z.at(i, 0) = std::cos(theta) * a - std::sin(theta) * b + 3.0;
    z.at(i, 1) = std::sin(theta) * a + std::cos(theta) * b - 1.0;
  }
  return z;
}

}  // namespace

TEST(Metrics, RotatedScaledCopyIsPerfect) {
  const Array x = random_walk(5000, 2, 0.1, 1);
  const IdentifiabilityMetrics m = compare_latents(x, transform(x, 2.0, 2.0, 0.7));
  EXPECT_NEAR(m.r2, 1.0, 1e-12);
  EXPECT_NEAR(m.disparity, 0.0, 1e-12);
  EXPECT_NEAR(m.anisotropy, 1.0, 1e-9);
  EXPECT_NEAR(m.scale, 2.0, 1e-9);
  // Step variance scales with c^2.
  EXPECT_NEAR(m.step_variance[0] + m.step_variance[1], 4.0 * (m.truth_step_variance[0] + m.truth_step_variance[1]), 1e-9);
}

TEST(Metrics, AnisotropicScalingIsDetected) {
  const Array x = random_walk(5000, 2, 0.1, 2);
  const IdentifiabilityMetrics m = compare_latents(x, transform(x, 3.0, 1.0, 0.3));
  EXPECT_NEAR(m.r2, 1.0, 1e-12);  // still a linear copy
  EXPECT_NEAR(m.anisotropy, 3.0, 1e-9);
  EXPECT_GT(m.disparity, 0.05);  // but not a similarity copy
  // Known answer for the warp (x, y) -> (x, y + x^2): quadratic, so R^2 < 1.
  Array w = x;
  for (int64_t i = 0; i < w.frames(); ++i) w.at(i, 1) += w.at(i, 0) * w.at(i, 0);
  EXPECT_LT(compare_latents(x, w).r2, 0.999);
}

TEST(Metrics, StepVarianceOfRandomWalk) {
  const Array z = random_walk(100000, 2, std::sqrt(2.0), 3);
  const auto v = step_variance(z);
  EXPECT_NEAR(v[0], 2.0, 0.05);  // stochastic: 1e5 steps, ~5 standard errors
  EXPECT_NEAR(v[1], 2.0, 0.05);
  // With lengths, the step across the trajectory boundary is left out.
  Array two = Array::zeros({4, 1});
  two.data = {0, 1, 100, 101};
  EXPECT_NEAR(step_variance(two, {2, 2})[0], 0.0, 1e-12);
  EXPECT_GT(step_variance(two)[0], 100.0);
}

TEST(Metrics, MismatchedInputsAreErrors) {
  EXPECT_THROW(compare_latents(Array::zeros({10, 2}), Array::zeros({9, 2})), DataError);
  EXPECT_THROW(compare_latents(Array::zeros({10}), Array::zeros({10, 2})), DataError);
  Array nan = random_walk(10, 2, 1.0, 4);
  nan.at(3, 1) = NAN;
  EXPECT_THROW(compare_latents(random_walk(10, 2, 1.0, 5), nan), DataError);
}

// dynae align's measures: known answers.
TEST(Alignment, IsometricCopiesAlignAndIndependentLatentsDoNot) {
  const int64_t t = 4000;
  Array z = Array::zeros({t, 2}), copy = Array::zeros({t, 2}), other = Array::zeros({t, 2});
  std::mt19937_64 rng(5);
  std::normal_distribution<double> n01;
  double x = 0, y = 0;
  for (int64_t i = 0; i < t; ++i) {
    x = 0.95 * x + n01(rng);
    y = 0.9 * y + 2 * n01(rng);
    z.data[2 * i] = x;
    z.data[2 * i + 1] = y;
    other.data[2 * i] = n01(rng);
    other.data[2 * i + 1] = n01(rng);
    const double c = std::cos(0.8), s = std::sin(0.8);
    // rotated, reflected (second axis), scaled by 3, shifted
    copy.data[2 * i] = 3 * (c * x - s * y) + 7;
    copy.data[2 * i + 1] = -3 * (s * x + c * y) - 1;
  }
  const LatentAlignment same = align_latents(z, copy);
  EXPECT_NEAR(same.disparity, 0.0, 1e-12);
  EXPECT_NEAR(same.cka, 1.0, 1e-12);
  EXPECT_NEAR(same.knn_overlap, 1.0, 1e-12);
  const LatentAlignment apart = align_latents(z, other);
  EXPECT_LT(apart.cka, 0.01);
  EXPECT_GT(apart.disparity, 0.95);
  EXPECT_LT(apart.knn_overlap, 0.05);
  // A warp keeps CKA below 1 and the disparity above 0.
  Array warped = z;
  for (int64_t i = 0; i < t; ++i) warped.data[2 * i + 1] *= 4;
  EXPECT_GT(align_latents(z, warped).disparity, 0.05);
  EXPECT_LT(align_latents(z, warped).cka, 0.95);
  // Symmetric.
  EXPECT_NEAR(align_latents(warped, z).disparity, align_latents(z, warped).disparity, 1e-12);
  // The consensus of rotated, reflected, shifted copies is the original up to an isometry.
  std::vector<double> residuals;
  const Array c = consensus_latent({z, copy, copy}, &residuals);
  EXPECT_NEAR(align_latents(c, z).disparity, 0.0, 1e-10);
  ASSERT_EQ(residuals.size(), 3u);
  for (double r : residuals) EXPECT_NEAR(r, 0.0, 1e-10);
  // ... and at the first latent's scale.
  EXPECT_NEAR(compare_latents(z, c).scale, 1.0, 1e-9);
  EXPECT_THROW(align_latents(z, Array::zeros({t - 1, 2})), DataError);
  EXPECT_THROW(align_latents(z, Array::zeros({t, 2})), DataError);  // constant
}

TEST(Identifiability, HalvesSpreadIsTheLargestRelativeDifferenceAndTheTextSaysIt) {
  Identifiability id;
  id.lambda = {0.2, 0.1};
  id.kappa = {0.2, 0.1};
  id.directions = Array({2, 2}, {1, 0, 0, 1});
  id.kappa_first_half = {0.21, 0.095};
  id.kappa_second_half = {0.19, 0.105};
  EXPECT_NEAR(id.halves_spread(), 0.1, 1e-12);  // |0.21 - 0.19| / 0.2 and |0.095 - 0.105| / 0.1
  std::string text = identifiability_text(id, 10);
  EXPECT_NE(text.find("agree on kappa within 10 %"), std::string::npos) << text;
  EXPECT_EQ(text.find("not settled"), std::string::npos) << text;
  id.kappa_second_half = {0.09, 0.095};  // 0.12 / 0.15 = 0.8
  EXPECT_NEAR(id.halves_spread(), 0.8, 1e-12);
  text = identifiability_text(id, 10);
  EXPECT_NE(text.find("agree on kappa within 80 %"), std::string::npos) << text;
  EXPECT_NE(text.find("not settled"), std::string::npos) << text;
  id.kappa_second_half.clear();
  EXPECT_TRUE(std::isnan(id.halves_spread()));
}
