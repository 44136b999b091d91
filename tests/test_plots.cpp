// Figures (gnuplot) and the HTML report: each file exists, is a valid PNG of
// the expected size or an SVG, and is not blank.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "dynae/analysis/plots.h"
#include "dynae/data/npy.h"
#include "dynae/errors.h"
#include "test_util.h"

using namespace dynae;

namespace {

/// PNG signature and IHDR size; throws nothing, returns {0, 0} when not a PNG.
std::pair<uint32_t, uint32_t> png_size(const std::string& bytes) {
  if (bytes.size() < 24 || bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0 || bytes.compare(12, 4, "IHDR") != 0) return {0, 0};
  auto be = [&](size_t o) {
    return (uint32_t(uint8_t(bytes[o])) << 24) | (uint32_t(uint8_t(bytes[o + 1])) << 16) |
           (uint32_t(uint8_t(bytes[o + 2])) << 8) | uint32_t(uint8_t(bytes[o + 3]));
  };
  return {be(16), be(20)};
}

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

void expect_figure(const std::string& stem, const std::vector<std::string>& texts) {
  const std::string png = test::read_file(stem + ".png");
  EXPECT_EQ(png_size(png), std::make_pair(uint32_t(kFigureWidth), uint32_t(kFigureHeight))) << stem;
  // A blank 800 x 600 canvas compresses to about 3 kB; every figure here draws far more.
  EXPECT_GT(png.size(), 15000u) << stem;
  const std::string svg = test::read_file(stem + ".svg");
  EXPECT_NE(svg.find("<svg"), std::string::npos) << stem;
  EXPECT_NE(svg.find("width=\"800\""), std::string::npos) << stem;
  EXPECT_GT(count(svg, "<path") + count(svg, "<image") + count(svg, "<rect"), 20u) << stem;
  for (const auto& t : texts) EXPECT_NE(svg.find(t), std::string::npos) << stem << ": no '" << t << "'";
}

Array two_wells(int64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g;
  std::vector<double> v;
  for (int64_t i = 0; i < n; ++i) {
    const double c = i % 3 == 0 ? 4.0 : -4.0;
    v.push_back(c + g(rng));
    v.push_back(g(rng));
  }
  return Array({n, 2}, v);
}

}  // namespace

TEST(Plots, EveryFigureIsAValidNonBlankPngAndSvg) {
  const std::string dir = test::scratch_dir("plots");
  const Array z = two_wells(50000, 1);
  const Landscape l = compute_landscape(z);
  ASSERT_EQ(l.basins(), 2);
  // Force pointing to the nearest well centre.
  const int64_t n = static_cast<int64_t>(l.axes[0].size());
  std::vector<double> f;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      const double x = l.axes[0][i], y = l.axes[1][j];
      f.push_back((x > 0 ? 4 : -4) - x);
      f.push_back(-y);
    }
  }
  plot_free_energy(l, Array({n, n, 2}, f), dir + "/fe");
  expect_figure(dir + "/fe", {"Free energy and learned force field", "F (kT)", "latent z0 (latent units)",
                              "learned force", "basin minima"});
  plot_free_energy(l, Array(), dir + "/fe_plain");
  expect_figure(dir + "/fe_plain", {"Free energy of the encoded frames"});

  std::vector<LossPoint> h(20);
  for (int i = 0; i < 20; ++i) h[i] = {i, 10.0 / (i + 1), 11.0 / (i + 1), 5.0 / (i + 1), 6.0 / (i + 1)};
  plot_losses(h, dir + "/loss");
  expect_figure(dir + "/loss", {"Training curves", "epoch", "loss (log scale)", "test total"});

  Array rotated = z;  // a rotated, scaled copy of z as the "latent"
  for (int64_t t = 0; t < z.frames(); ++t) {
    rotated.at(t, 0) = 3 * z.at(t, 1);
    rotated.at(t, 1) = -3 * z.at(t, 0);
  }
  plot_latent_vs_truth(rotated, z, dir + "/lvt");
  expect_figure(dir + "/lvt", {"aligned latent (truth units)", "true x1 (truth units)", "identity"});

  const Array gen = two_wells(50000, 2);
  const DynamicsCheck c = compare_dynamics(l, z, {}, gen, {});
  EXPECT_LT(c.js_divergence, 0.02);  // two independent samples of one distribution: sampling noise only
  EXPECT_GT(c.js_divergence, 0.0);
  plot_generated_vs_encoded(l, c.reference_histogram, c.generated_histogram, dir + "/gve");
  expect_figure(dir + "/gve", {"generated", "encoded data", "F = -ln p (kT)"});

  EXPECT_THROW(plot_losses({}, dir + "/none"), Error);
  EXPECT_FALSE(test::file_exists(dir + "/none.png"));
}
