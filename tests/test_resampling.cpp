#include <gtest/gtest.h>
#include <torch/torch.h>

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "dynae/errors.h"
#include "training/resampling.h"

using namespace dynae;

namespace {

// Labels with the given cluster sizes, in a shuffled order.
torch::Tensor labels_with_counts(const std::vector<int64_t>& counts, at::Generator& gen) {
  std::vector<torch::Tensor> parts;
  for (size_t k = 0; k < counts.size(); ++k) parts.push_back(torch::full({counts[k]}, static_cast<int64_t>(k), torch::kLong));
  const torch::Tensor l = torch::cat(parts);
  return l.index_select(0, torch::randperm(l.size(0), gen, torch::kLong));
}

std::vector<int64_t> selected_counts(const torch::Tensor& labels, const torch::Tensor& sel, int64_t k) {
  return cluster_counts(labels.index_select(0, sel), k);
}

}  // namespace

TEST(Resampling, WeightsFollowPowerOfCounts) {
  const auto w = well_tempered_weights({100, 400, 900}, 2.0);
  EXPECT_DOUBLE_EQ(w[0], 10.0);
  EXPECT_DOUBLE_EQ(w[1], 20.0);
  EXPECT_DOUBLE_EQ(w[2], 30.0);
  const auto w1 = well_tempered_weights({100, 400}, 1.0);
  EXPECT_DOUBLE_EQ(w1[1] / w1[0], 4.0);
  EXPECT_THROW(well_tempered_weights({1}, 0.5), ConfigError);
}

TEST(Resampling, SelectionSizesFollowTheFormula) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(1);
  const int64_t b = 10;
  const std::vector<int64_t> counts = {600, 300, 95, 5};  // N = 1000
  const torch::Tensor labels = labels_with_counts(counts, gen);
  const auto w = well_tempered_weights(counts, 2.0);
  const torch::Tensor sel = well_tempered_selection(labels, w, b, gen, true);
  const auto got = selected_counts(labels, sel, 4);
  double total = 0;
  for (double x : w) total += x;
  std::vector<int64_t> target;
  for (double x : w) target.push_back(static_cast<int64_t>(std::floor(1000 * x / total / b) + 1) * b);
  // Here S = 460, 330, 190, 50 (w = sqrt(n)).
  EXPECT_EQ(target, (std::vector<int64_t>{460, 330, 190, 50}));
  EXPECT_EQ(got[0], 460);          // n > S: S drawn without replacement
  EXPECT_EQ(got[1], 1 * 300);      // B < n < S: floor(330/300) = 1 permutation of 300
  EXPECT_EQ(got[2], 2 * 90);       // floor(190/95) = 2 permutations cut to 90
  EXPECT_EQ(got[3], 0);            // n <= B: left out
  EXPECT_EQ(sel.size(0) % b, 0);
  // Draws without replacement inside cluster 0: no index twice.
  const torch::Tensor c0 = sel.index_select(0, torch::nonzero(labels.index_select(0, sel) == 0).squeeze(1));
  EXPECT_EQ(std::get<0>(at::_unique(c0)).size(0), c0.size(0));
}

TEST(Resampling, BiasFactorOneKeepsProportions) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(2);
  const std::vector<int64_t> counts = {8000, 2000};
  const torch::Tensor labels = labels_with_counts(counts, gen);
  const torch::Tensor sel = well_tempered_selection(labels, well_tempered_weights(counts, 1.0), 100, gen, true);
  const auto got = selected_counts(labels, sel, 2);
  // S = 8100 and 2100 exceed n: each cluster is taken whole, once: 80 % / 20 % kept.
  EXPECT_EQ(got[0], 8000);
  EXPECT_EQ(got[1], 2000);
  // A large bias factor flattens the populations towards uniform.
  const torch::Tensor flat = well_tempered_selection(labels, well_tempered_weights(counts, 50.0), 100, gen, true);
  const auto g2 = selected_counts(labels, flat, 2);
  // (S = 5100 of 8000 drawn; 2 x 2000 of the small cluster: 56 % vs 80 %.)
  EXPECT_NEAR(static_cast<double>(g2[0]) / (g2[0] + g2[1]), 5100.0 / 9100.0, 1e-9);
}

TEST(Resampling, TooFewSamplesPerBinIsAnError) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(3);
  const std::vector<int64_t> counts(20, 50);  // every cluster smaller than a batch
  const torch::Tensor labels = labels_with_counts(counts, gen);
  try {
    well_tempered_selection(labels, well_tempered_weights(counts, 2.0), 64, gen, true);
    FAIL() << "no error";
  } catch (const TrainingError& e) {
    EXPECT_NE(std::string(e.what()).find("increase d_min"), std::string::npos) << e.what();
  }
}

TEST(Resampling, RegularSpaceCentersCoverAndSeparate) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(4);
  const torch::Tensor z = torch::rand({5000, 2}, gen, torch::kFloat64) * 10.0;
  const double dmin = 1.5;
  const torch::Tensor c = regular_space_centers(z, dmin, 200, gen);
  ASSERT_GT(c.size(0), 5);
  // Centres are more than d_min apart; every point is within d_min of one.
  const torch::Tensor cc = torch::cdist(c, c) + torch::eye(c.size(0), torch::kFloat64) * 1e9;
  EXPECT_GT(cc.min().item<double>(), dmin);
  EXPECT_LE(std::get<0>(torch::cdist(z, c).min(1)).max().item<double>(), dmin);
  // Assignment is to the nearest centre.
  const torch::Tensor lab = assign_to_centers(z, c);
  EXPECT_TRUE(torch::equal(lab, torch::cdist(z, c).argmin(1)));
}

TEST(Resampling, DminErrors) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(5);
  const torch::Tensor z = torch::rand({5000, 2}, gen, torch::kFloat64) * 100.0;
  try {
    regular_space_centers(z, 0.5, 200, gen);
    FAIL() << "no error";
  } catch (const TrainingError& e) {
    EXPECT_NE(std::string(e.what()).find("more than 200 cluster centres"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("increase d_min"), std::string::npos) << e.what();
  }
  EXPECT_THROW(regular_space_centers(z, 0.0, 200, gen), ConfigError);
  EXPECT_THROW(regular_space_centers(z, -1.0, 200, gen), ConfigError);
  EXPECT_EQ(regular_space_centers(z, 1000.0, 200, gen).size(0), 1);
}
