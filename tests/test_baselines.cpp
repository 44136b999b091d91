// The baselines behind the one model interface: TICA against an analytic
// answer, every neural model's loss falling, save/load round trips, sweeps
// and the comparison table.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <random>

#include "dynae/training/estimator.h"
#include "dynae/experiments/comparison.h"
#include "dynae/data/npy.h"
#include "dynae/errors.h"
#include "dynae/models/model.h"
#include "dynae/models/model_kind.h"
#include "dynae/runtime.h"
#include "dynae/experiments/sweep.h"
#include "losses/gaussian.h"
#include "models/model_impl.h"
#include "models/objective.h"
#include "test_util.h"

using namespace dynae;

namespace {


/// Two independent Ornstein-Uhlenbeck processes s_i with rates k_i and unit
/// stationary-variance-times-k (ds = -k s dt + sqrt(2) dW, sampled exactly at
/// dt = 1), rotated by theta: x = R s. The slowest TICA component is then
/// (cos theta, sin theta) . x with eigenvalue exp(-k1 tau).
Array rotated_ou(int64_t frames, double k1, double k2, double theta, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  const double a1 = std::exp(-k1), a2 = std::exp(-k2);
  const double n1 = std::sqrt((1 - a1 * a1) / k1), n2 = std::sqrt((1 - a2 * a2) / k2);
  double s1 = normal(rng) / std::sqrt(k1), s2 = normal(rng) / std::sqrt(k2);
  Array x({frames, 2}, std::vector<double>(static_cast<size_t>(2 * frames)));
  const double c = std::cos(theta), s = std::sin(theta);
  for (int64_t t = 0; t < frames; ++t) {
    x.at(t, 0) = c * s1 - s * s2 + 3.0;  // an offset: TICA must remove the mean
    x.at(t, 1) = s * s1 + c * s2 - 1.0;
    s1 = a1 * s1 + n1 * normal(rng);
    s2 = a2 * s2 + n2 * normal(rng);
  }
  return x;
}

TrajectorySet data_set(const Array& x) {
  TrajectorySet s;
  s.add("data", x);
  return s;
}

const Array& three_state(int64_t frames) {
  static std::map<int64_t, Array> cache;
  auto it = cache.find(frames);
  if (it == cache.end()) {
    it = cache.emplace(frames, read_npy(kData + "three_state_transformed_traj_data200k.npy").slice_frames(0, frames))
             .first;
  }
  return it->second;
}

double max_abs_diff(const Array& a, const Array& b) {
  EXPECT_EQ(a.shape, b.shape);
  double m = 0;
  for (size_t i = 0; i < a.data.size(); ++i) m = std::max(m, std::fabs(a.data[i] - b.data[i]));
  return m;
}

}  // namespace

TEST(Tica, RecoversTheSlowEigenvectorOfARotatedOrnsteinUhlenbeckProcess) {
  const double k1 = 0.05, k2 = 1.0, theta = 0.5;
  const Array x = rotated_ou(200000, k1, k2, theta, 7);
  for (int64_t lag : {1, 5}) {
    const Model m = Estimator(ModelOptions().set_model("tica").set_latent_dim(2).set_lag(lag)).fit(data_set(x));
    ASSERT_EQ(m.eigenvalues().size(), 2);
    EXPECT_NEAR(m.eigenvalues().data[0], std::exp(-k1 * lag), 0.01) << "lag " << lag;
    EXPECT_NEAR(m.eigenvalues().data[1], std::exp(-k2 * lag), 0.02) << "lag " << lag;
    // Slowest component's loadings: the encoding of the unit vectors minus the origin's.
    const Array basis({3, 2}, {0, 0, 1, 0, 0, 1});
    const Array z = m.encode(basis);
    const double w0 = z.at(1, 0) - z.at(0, 0), w1 = z.at(2, 0) - z.at(0, 0);
    const double norm = std::hypot(w0, w1);
    EXPECT_GT((w0 * std::cos(theta) + w1 * std::sin(theta)) / norm, 0.999) << "lag " << lag;
    // Unit variance: v' C0 v = 1, and C0 = R diag(1/k) R', so |v| = sqrt(k1).
    EXPECT_NEAR(norm, std::sqrt(k1), 0.05 * std::sqrt(k1));
    const Array zx = m.encode(x);
    for (int64_t j = 0; j < 2; ++j) {
      double s = 0, ss = 0;
      for (int64_t t = 0; t < zx.frames(); ++t) s += zx.at(t, j), ss += zx.at(t, j) * zx.at(t, j);
      const double mean = s / zx.frames(), var = ss / zx.frames() - mean * mean;
      EXPECT_NEAR(mean, 0.0, 1e-3);
      EXPECT_NEAR(var, 1.0, 1e-3) << "component " << j << " is scaled to unit variance";
    }
    // With as many components as features the linear decoder inverts the encoder.
    EXPECT_LT(max_abs_diff(m.reconstruct(x.slice_frames(0, 1000)), x.slice_frames(0, 1000)), 1e-3);
  }
}

TEST(Tica, ConstantAndDependentFeaturesAreClearErrors) {
  const Array x = rotated_ou(2000, 0.05, 1.0, 0.3, 1);
  std::vector<double> c, d;
  for (int64_t t = 0; t < x.frames(); ++t) {
    for (double v : {x.at(t, 0), x.at(t, 1), 4.0}) c.push_back(v);
    for (double v : {x.at(t, 0), x.at(t, 1), x.at(t, 0) - 2 * x.at(t, 1)}) d.push_back(v);
  }
  const Array with_constant({x.frames(), 3}, c), duplicated({x.frames(), 3}, d);
  try {
    Estimator(ModelOptions().set_model("tica")).fit(data_set(with_constant));
    FAIL() << "constant feature accepted";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("constant (feature 2)"), std::string::npos) << e.what();
  }
  try {
    Estimator(ModelOptions().set_model("tica").set_tica_ridge(0)).fit(data_set(duplicated));
    FAIL() << "singular C(0) accepted without a ridge";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("singular"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("tica_ridge"), std::string::npos) << e.what();
  }
  // The default ridge regularises the same data: the slow component is still found.
  const Model m = Estimator(ModelOptions().set_model("tica")).fit(data_set(duplicated));
  EXPECT_GT(m.eigenvalues().data[0], 0.9);
  EXPECT_NEAR(m.eigenvalues().data[2], 0.0, 1e-6);
  EXPECT_THROW(Estimator(ModelOptions().set_model("tica").set_latent_dim(3)).fit(data_set(x)), DataError);
}

TEST(Gaussian, KlAndReparameterisationKnownValues) {
  const torch::Tensor mean = torch::tensor({{0.0, 0.0}, {1.0, -2.0}}, torch::kFloat64);
  const torch::Tensor logvar = torch::tensor({{0.0, 0.0}, {std::log(4.0), 0.0}}, torch::kFloat64);
  const torch::Tensor kl = kl_to_standard_normal(mean, logvar);
  EXPECT_NEAR(kl[0].item<double>(), 0.0, 1e-12);
  // 0.5 * sum(var + mean^2 - 1 - logvar) = 0.5 * [(4 + 1 - 1 - ln 4) + (1 + 4 - 1 - 0)]
  EXPECT_NEAR(kl[1].item<double>(), 0.5 * ((4 + 1 - 1 - std::log(4.0)) + 4), 1e-12);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(3);
  const torch::Tensor m = torch::full({200000, 1}, 1.5, torch::kFloat64);
  const torch::Tensor lv = torch::full({200000, 1}, std::log(0.25), torch::kFloat64);
  const torch::Tensor z = reparameterize(m, lv, gen);
  EXPECT_NEAR(z.mean().item<double>(), 1.5, 0.005);
  EXPECT_NEAR(z.std().item<double>(), 0.5, 0.005);
}

class NeuralModel : public ::testing::TestWithParam<std::string> {};

// Ten short epochs on 20000 frames: the loss of a fixed batch at full beta (fixed
// noise) falls well below the untrained model's; save and load give identical
// encodings (and log-variances).
TEST_P(NeuralModel, LossFallsAndCheckpointRoundTrips) {
  set_num_threads(1);
  const std::string name = GetParam();
  const Array& x = three_state(20000);
  const ModelOptions o = ModelOptions().set_model(name).set_epochs(10).set_beta(name == "vae" ? 1.0 : 10.0).set_seed(2);
  const Model trained = Estimator(o).fit(data_set(x));
  EXPECT_EQ(trained.model_name(), name);
  EXPECT_EQ(trained.epochs_trained(), 10);

  auto init_gen = at::make_generator<at::CPUGeneratorImpl>(o.seed);
  auto untrained = std::make_shared<Model::Impl>(o, std::vector<int64_t>{2}, std::vector<int64_t>{2}, init_gen);
  untrained->train(false);
  const torch::Tensor xt = torch::from_blob(const_cast<double*>(x.data.data()), {x.frames(), 2}, torch::kFloat64)
                               .to(torch::kFloat32);
  const PairBatch batch{xt.slice(0, 0, 2048), xt.slice(0, 1, 2049), xt.slice(0, 0, 2048), xt.slice(0, 1, 2049)};
  const auto objective = make_objective(name);
  auto loss_of = [&](const Model::Impl& m) {
    torch::NoGradGuard no_grad;
    auto gen = at::make_generator<at::CPUGeneratorImpl>(11);
    return objective->loss(m, batch, o.beta, gen).loss.item<double>();
  };
  const double before = loss_of(*untrained), after = loss_of(trained.impl());
  std::printf("%s: fixed-batch loss %.4g -> %.4g\n", name.c_str(), before, after);
  // The variational losses keep an entropy/KL floor of a few nats: they fall less.
  const bool variational = name == "vae" || name == "sdevae";
  EXPECT_LT(after, (variational ? 0.8 : 0.5) * before);

  const std::string dir = test::scratch_dir("baseline_ckpt_" + name);
  trained.save(dir + "/m.pt");
  const Model loaded = Model::load(dir + "/m.pt");
  EXPECT_EQ(loaded.model_name(), name);
  const Array probe = x.slice_frames(0, 3000);
  EXPECT_EQ(max_abs_diff(loaded.encode(probe), trained.encode(probe)), 0.0);
  EXPECT_EQ(max_abs_diff(loaded.reconstruct(probe), trained.reconstruct(probe)), 0.0);
  if (name == "vae" || name == "sdevae") {
    EXPECT_TRUE(trained.is_variational());
    const Array lv = trained.log_variance(probe);
    EXPECT_EQ(lv.shape, (std::vector<int64_t>{3000, 2}));
    EXPECT_EQ(max_abs_diff(loaded.log_variance(probe), lv), 0.0);
  } else {
    EXPECT_THROW(trained.log_variance(probe), Error);
  }
  if (name == "dynae" || name == "sdevae") {
    const Array z = trained.encode(probe.slice_frames(0, 10));
    EXPECT_EQ(max_abs_diff(loaded.force(z), trained.force(z)), 0.0);
  } else {
    EXPECT_THROW(trained.force(trained.encode(probe.slice_frames(0, 10))), Error);
  }
}

INSTANTIATE_TEST_SUITE_P(Baselines, NeuralModel, ::testing::Values("dynae", "vae", "swae", "sdevae", "tae"));

TEST(Tica, CheckpointRoundTrip) {
  const Array& x = three_state(5000);
  const Model m = Estimator(ModelOptions().set_model("tica")).fit(data_set(x));
  const std::string dir = test::scratch_dir("tica_ckpt");
  m.save(dir + "/t.pt");
  const Model l = Model::load(dir + "/t.pt");
  EXPECT_EQ(l.model_name(), "tica");
  EXPECT_EQ(max_abs_diff(l.encode(x), m.encode(x)), 0.0);
  EXPECT_EQ(max_abs_diff(l.decode(m.encode(x)), m.decode(m.encode(x))), 0.0);
  EXPECT_EQ(max_abs_diff(l.eigenvalues(), m.eigenvalues()), 0.0);
}

TEST(Sweep, TwoBetasGiveTwoRunsAndATable) {
  set_num_threads(1);
  const std::string dir = test::scratch_dir("sweep");
  write_npy(dir + "/x.npy", three_state(4000));
  write_npy(dir + "/t.npy", read_npy(kData + "three_state_traj_data200k.npy").slice_frames(0, 4000));
  ConfigSpec spec;
  spec.set("input_data", dir + "/x.npy", "test");
  spec.set("beta", "[0.1, 10]", "test");
  spec.set("max_epochs", "2", "test");
  spec.set("batch_size", "128", "test");
  const std::vector<RunSettings> runs = spec.expand();
  ASSERT_EQ(runs.size(), 2u);
  const std::vector<SweepRun> done = run_sweep(runs, dir + "/out", {dir + "/t.npy"}, nullptr);
  ASSERT_EQ(done.size(), 2u);
  EXPECT_DOUBLE_EQ(done[0].options.beta, 0.1);
  EXPECT_DOUBLE_EQ(done[1].options.beta, 10);
  for (const char* sub : {"/out/beta=0.1/model.pt", "/out/beta=10/latent_traj0.npy", "/out/summary.md",
                          "/out/summary.csv"}) {
    EXPECT_TRUE(test::file_exists(dir + sub)) << sub;
  }
  const std::string md = test::read_file(dir + "/out/summary.md");
  EXPECT_NE(md.find("| beta=0.1 | DynAE | 2 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| beta=10 | DynAE | 2 |"), std::string::npos) << md;
  const std::string csv = test::read_file(dir + "/out/summary.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3) << csv;
  EXPECT_TRUE(done[0].has_metrics);
  EXPECT_GT(done[1].metrics.r2, 0.0);
  EXPECT_NE(done[0].latent.data, done[1].latent.data);

  // reuse: finished runs with the same settings are read back, not retrained.
  const std::vector<SweepRun> again = run_sweep(runs, dir + "/out", {dir + "/t.npy"}, nullptr, /*reuse=*/true);
  ASSERT_EQ(again.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_NEAR(again[i].seconds, done[i].seconds, 1e-5);
    EXPECT_EQ(again[i].latent.data, done[i].latent.data);
    EXPECT_NEAR(again[i].test.total, done[i].test.total, 1e-7 * std::fabs(done[i].test.total));  // 9 digits in losses.csv
    EXPECT_DOUBLE_EQ(again[i].metrics.r2, done[i].metrics.r2);
  }
  // Changed settings: the finished runs there are not replaced unasked.
  spec.set("max_epochs", "3", "test");
  EXPECT_THROW(run_sweep(spec.expand(), dir + "/out", {}, nullptr, /*reuse=*/true), Error);
  const std::vector<SweepRun> changed =
      run_sweep(spec.expand(), dir + "/out", {}, nullptr, /*reuse=*/true, /*overwrite=*/true);
  EXPECT_EQ(changed[0].epochs, 3);
}

TEST(Comparison, SpreadAndSeedToSeedDisparityKnownAnswers) {
  // Three "seeds": the truth, the truth rotated by 90 degrees and scaled, and
  // a sheared copy. Seed-to-seed disparity is 0 for the first pair.
  const Array truth = rotated_ou(500, 0.1, 0.5, 0.0, 2);
  auto run_with = [&](const Array& z, double seconds) {
    SweepRun r;
    r.latent = z;
    r.seconds = seconds;
    r.metrics = compare_latents(truth, z);
    r.has_metrics = true;
    return r;
  };
  Array rotated = truth, sheared = truth;
  for (int64_t t = 0; t < truth.frames(); ++t) {
    rotated.at(t, 0) = -2 * truth.at(t, 1);
    rotated.at(t, 1) = 2 * truth.at(t, 0);
    sheared.at(t, 0) = truth.at(t, 0) + 0.5 * truth.at(t, 1);
  }
  const std::vector<SweepRun> runs{run_with(truth, 1), run_with(rotated, 3), run_with(sheared, 5),
                                   run_with(truth, 10)};
  const auto rows = summarize_comparison({"A", "A", "B", "C"}, runs);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].name, "A");
  EXPECT_EQ(rows[0].seeds, 2);
  EXPECT_NEAR(rows[0].r2.mean, 1.0, 1e-9);
  EXPECT_NEAR(rows[0].disparity.mean, 0.0, 1e-9);
  EXPECT_NEAR(rows[0].seed_disparity.mean, 0.0, 1e-9);
  EXPECT_NEAR(rows[0].seconds.mean, 2.0, 1e-12);
  EXPECT_NEAR(rows[0].seconds.sd, std::sqrt(2.0), 1e-12);
  EXPECT_GT(rows[1].disparity.mean, 0.01);
  EXPECT_TRUE(std::isnan(rows[1].seed_disparity.mean));  // one seed: no pair
  const std::string md = comparison_markdown(rows);
  EXPECT_NE(md.find("| A | 2 | 1.0000 ± 0.0000 | 0.0000 ± 0.0000 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| B | 1 |"), std::string::npos) << md;
  const std::string csv = comparison_csv(rows);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 4);
}

// The registry of model kinds: every spelling a user or the reference writes
// finds its kind, every kind is fitted one way, and the traits the trainer
// and the model ask about are the documented ones.
TEST(ModelKinds, RegistryFindsEverySpellingAndEachKindIsFittedOneWay) {
  const std::vector<std::pair<std::string, std::string>> spellings = {
      {"DynamicsAE", "dynae"}, {"dynae", "dynae"},   {"VAE", "vae"},       {"SWAE", "swae"},
      {"SDEVAE", "sdevae"},    {"SDE-VAE", "sdevae"}, {"sde_vae", "sdevae"}, {"TAE", "tae"},
      {"time-lagged autoencoder", "tae"}, {"TimeLaggedAE", "tae"}, {"TICA", "tica"}};
  for (const auto& [spelling, name] : spellings) {
    ASSERT_NE(find_model_kind(spelling), nullptr) << spelling;
    EXPECT_EQ(find_model_kind(spelling)->name, name) << spelling;
    EXPECT_EQ(canonical_model_name(spelling), name) << spelling;
  }
  EXPECT_EQ(find_model_kind("gan"), nullptr);
  EXPECT_THROW(model_kind("gan"), ConfigError);
  EXPECT_EQ(model_names(), (std::vector<std::string>{"dynae", "vae", "swae", "sdevae", "tae", "tica", "sta"}));
  for (const ModelKind* kind : model_kinds()) {
    EXPECT_NE(kind->objective == nullptr, kind->fit_closed_form == nullptr) << kind->name;
    EXPECT_EQ(model_display_name(kind->name), kind->display_name);
    if (kind->objective) {
      EXPECT_NE(make_objective(kind->name), nullptr) << kind->name;
    } else {
      EXPECT_THROW(make_objective(kind->name), ConfigError) << kind->name;
    }
  }
  EXPECT_TRUE(model_kind("dynae").resamples);
  EXPECT_EQ(model_kind("dynae").prior, PriorTraining::OwnStep);
  EXPECT_EQ(model_kind("sdevae").prior, PriorTraining::WithAutoencoder);
  EXPECT_TRUE(ModelOptions().set_model("vae").variational());
  EXPECT_TRUE(ModelOptions().set_model("sdevae").has_dynamics());
  EXPECT_FALSE(ModelOptions().set_model("tae").has_dynamics());
  EXPECT_TRUE(model_kind("tica").closed_form() && model_kind("tica").linear);
}
