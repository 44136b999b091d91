// End-to-end: DynAE on a subset of the bundled warped three-state data.
// Every behaviour test runs once per training-step implementation (the
// fused kernels and the LibTorch autograd step), as OpenMM runs its
// integrator tests once per platform.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <ATen/CPUGeneratorImpl.h>

#include "dynae/training/estimator.h"
#include "dynae/analysis/metrics.h"
#include "dynae/data/npy.h"
#include "dynae/errors.h"
#include "dynae/models/model.h"
#include "dynae/runtime.h"
#include "dynae/experiments/run.h"
#include "models/model_impl.h"
#include "training/trainer.h"
#include "model_compare.h"
#include "test_util.h"

using namespace dynae;

namespace {


struct Subset {
  Array input, truth;
};

const Subset& subset(int64_t frames) {
  static std::map<int64_t, Subset> cache;
  auto it = cache.find(frames);
  if (it == cache.end()) {
    Subset s{read_npy(kData + "three_state_transformed_traj_data200k.npy").slice_frames(0, frames),
             read_npy(kData + "three_state_traj_data200k.npy").slice_frames(0, frames)};
    it = cache.emplace(frames, std::move(s)).first;
  }
  return it->second;
}

TrajectorySet set_of(const Array& x) {
  TrajectorySet s;
  s.add("three_state_subset", x);
  return s;
}

/// The fused step; a test failure where it does not apply (so a fused test
/// cannot pass by falling back to the autograd step).
std::unique_ptr<TrainStep> make_fused_step_or_fail(const StepContext& context) {
  auto step = make_fused_step(context);
  if (!step) throw std::logic_error("the fused step does not apply to this model");
  return step;
}

/// A training-step implementation under test.
struct StepImplementation {
  const char* name;
  StepFactory factory;
  bool fused_kernels;  ///< the option that selects it through the public API
};

void PrintTo(const StepImplementation& s, std::ostream* os) { *os << s.name; }

class Training : public ::testing::TestWithParam<StepImplementation> {
 protected:
  /// The options with this implementation's fused_kernels setting.
  static ModelOptions options() { return ModelOptions().set_fused_kernels(GetParam().fused_kernels); }
  /// Trains through this implementation; fills history_.
  Model fit(const ModelOptions& o, const TrajectorySet& data) {
    history_.clear();
    return train_model(o, data, nullptr, history_, GetParam().factory);
  }
  std::vector<EpochReport> history_;
};

}  // namespace

INSTANTIATE_TEST_SUITE_P(Steps, Training,
                         ::testing::Values(StepImplementation{"Fused", make_fused_step_or_fail, true},
                                           StepImplementation{"Autograd", make_autograd_step, false}),
                         [](const ::testing::TestParamInfo<StepImplementation>& info) { return info.param.name; });

TEST_P(Training, ShortRunRecoversTheTruthFarBetterThanUntrained) {
  set_num_threads(1);
  const Subset& d = subset(100000);
  const ModelOptions o = options().set_epochs(20).set_seed(0).set_starts(1);
  const Model model = fit(o, set_of(d.input));
  const IdentifiabilityMetrics trained = compare_latents(d.truth, model.encode(d.input));

  auto gen = at::make_generator<at::CPUGeneratorImpl>(0);
  const Model untrained(std::make_shared<Model::Impl>(o, std::vector<int64_t>{2}, std::vector<int64_t>{2}, gen));
  const IdentifiabilityMetrics before = compare_latents(d.truth, untrained.encode(d.input));

  std::printf("untrained: r2 %.4f disparity %.4f anisotropy %.3f | trained: r2 %.4f disparity %.4f anisotropy %.3f "
              "step variance %.3f %.3f\n",
              before.r2, before.disparity, before.anisotropy, trained.r2, trained.disparity, trained.anisotropy,
              trained.step_variance[0], trained.step_variance[1]);
  // 20 epochs on 100k frames (one start, the TICA warm start) against the
  // untrained encoder (r2 0.70, disparity 0.50, anisotropy 4.2). Measured for
  // seed 0: r2 0.9967 / 0.9972, disparity 0.014 / 0.008, anisotropy 1.23 /
  // 1.16 (fused / autograd); with random weights, seeds 0-2 on the fused path
  // gave r2 0.978 / 0.995 / 0.984, disparity 0.065 / 0.007 / 0.043.
  EXPECT_GT(trained.r2, 0.97);
  EXPECT_LT(trained.disparity, 0.1);
  EXPECT_LT(trained.anisotropy, 1.7);
  EXPECT_LT(trained.disparity, before.disparity / 5);
  for (double v : trained.step_variance) EXPECT_NEAR(v, 2.0, 0.6);

  // History: one report per epoch, warm-up at beta/100, resampling after it.
  ASSERT_EQ(history_.size(), 20u);
  EXPECT_DOUBLE_EQ(history_[0].beta, 0.1);
  EXPECT_DOUBLE_EQ(history_[0].learning_rate, 1e-4);
  EXPECT_EQ(history_[0].clusters, 0);
  EXPECT_GT(history_[19].clusters, 1);
  // The warm start fits the decoder before epoch 0, so the reconstruction
  // starts small; the full loss trades a little of it for the dynamics.
  EXPECT_LT(history_[19].train.reconstruction, 0.05);
  EXPECT_GT(model.cluster_centers().frames(), 1);
}

TEST_P(Training, SameSeedSameThreadsBitIdentical) {
  set_num_threads(1);
  const Subset& d = subset(6000);
  const ModelOptions o = options().set_epochs(3).set_seed(5).set_prior_refit_steps(100);
  const Array z1 = fit(o, set_of(d.input)).encode(d.input);
  const Array z2 = fit(o, set_of(d.input)).encode(d.input);
  EXPECT_EQ(z1.data, z2.data);
  const Array z3 = fit(ModelOptions(o).set_seed(6), set_of(d.input)).encode(d.input);
  EXPECT_NE(z1.data, z3.data);
}

TEST_P(Training, LearnedDiffusionTrains) {
  set_num_threads(1);
  const Subset& d = subset(6000);
  if (GetParam().fused_kernels) GTEST_SKIP() << "the fused kernels do not cover learned diffusion";
  const Model m = fit(options().set_epochs(3).set_learn_diffusion(true).set_prior_refit_steps(200), set_of(d.input));
  const Array dz = m.diffusion(m.encode(d.input.slice_frames(0, 10)));
  for (double v : dz.data) EXPECT_TRUE(v > 0 && std::isfinite(v));
  EXPECT_TRUE(std::isfinite(history_.back().train.prior));
}

namespace {

/// Keeps every training state the loop hands out (one per epoch).
struct StateRecorder : TrainingObserver {
  std::vector<std::string> states;
  bool wants_checkpoints() const override { return true; }
  void on_checkpoint(const std::string& s) override { states.push_back(s); }
};

}  // namespace

TEST_P(Training, ResumedFromAnyEpochEndsBitIdentical) {
  set_num_threads(1);
  const Subset& d = subset(6000);
  const ModelOptions o = options().set_epochs(5).set_seed(3).set_prior_refit_steps(30);
  StateRecorder rec;
  std::vector<EpochReport> h;
  const Model whole = train_model(o, set_of(d.input), &rec, h, GetParam().factory);
  ASSERT_EQ(rec.states.size(), 5u);
  for (size_t k : {0u, 1u, 3u, 4u}) {  // after the warm-up, inside the schedule, after the last epoch (refit only)
    std::vector<EpochReport> h2;
    const Model resumed = train_model(o, set_of(d.input), nullptr, h2, GetParam().factory, rec.states[k]);
    SCOPED_TRACE("resumed after epoch " + std::to_string(k));
    EXPECT_EQ(h2.size(), 4 - k);
    test::expect_same_weights(whole, resumed);
    EXPECT_EQ(whole.encode(d.input.slice_frames(0, 500)).data, resumed.encode(d.input.slice_frames(0, 500)).data);
  }
  // A damaged state, or one of other options, is refused.
  std::string damaged = rec.states[2];
  damaged[damaged.size() / 2] ^= 0x10;
  std::vector<EpochReport> h3;
  EXPECT_THROW(train_model(o, set_of(d.input), nullptr, h3, GetParam().factory, damaged), CheckpointError);
  EXPECT_THROW(train_model(ModelOptions(o).set_encoder_hidden(16), set_of(d.input), nullptr, h3, GetParam().factory, rec.states[2]),
               CheckpointError);
}

TEST_P(Training, DivergenceStopsClearlyAndKeepsTheLastGoodCheckpoint) {
  set_num_threads(1);
  const std::string dir = test::scratch_dir(std::string("diverge_") + GetParam().name);
  write_npy(dir + "/x.npy", subset(6000).input);
  RunSettings s;
  s.input_paths = {dir + "/x.npy"};
  // The warm-up (epoch 0) has no regularization; from epoch 1 on it weighs
  // 1e30 and the loss explodes (finite, but far past the data's scale).
  s.options = options().set_epochs(3).set_beta(1e30).set_warmup_beta_factor(0);
  try {
    run_training(s, dir + "/out", nullptr);
    FAIL() << "no divergence";
  } catch (const TrainingError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("training diverged"), std::string::npos) << m;
    EXPECT_NE(m.find("epoch 0 is the last good one"), std::string::npos) << m;
  }
  // model.pt holds the warm-up epoch and loads.
  const Model last = Model::load(dir + "/out/model.pt");
  EXPECT_EQ(last.epochs_trained(), 1);
  const Array z = last.encode(subset(6000).input.slice_frames(0, 100));
  for (double v : z.data) EXPECT_TRUE(std::isfinite(v));
}

TEST_P(Training, TooFewPairsIsAnError) {
  TrajectorySet s;
  s.add("tiny", subset(6000).input.slice_frames(0, 100));
  EXPECT_THROW(fit(options(), s), DataError);
}

TEST_P(Training, LongerWarmUpKeepsBetaLowAndResamplingOffThatLong) {
  set_num_threads(1);
  const Subset& d = subset(6000);
  fit(options().set_epochs(4).set_warmup_epochs(2).set_beta(10).set_prior_refit_steps(100), set_of(d.input));
  const auto& h = history_;
  ASSERT_EQ(h.size(), 4u);
  for (int e : {0, 1}) {
    EXPECT_DOUBLE_EQ(h[e].beta, 0.1) << e;
    EXPECT_DOUBLE_EQ(h[e].learning_rate, 1e-4) << e;
    EXPECT_EQ(h[e].clusters, 0) << e;
  }
  for (int e : {2, 3}) {
    EXPECT_DOUBLE_EQ(h[e].beta, 10) << e;
    EXPECT_DOUBLE_EQ(h[e].learning_rate, 1e-3) << e;
    EXPECT_GE(h[e].clusters, 1) << e;
  }
  EXPECT_THROW(ModelOptions().set_warmup_epochs(0).validate(), ConfigError);
  EXPECT_THROW(ModelOptions().set_epochs(3).set_warmup_epochs(4).validate(), ConfigError);
}

namespace {

/// Two independent Ornstein-Uhlenbeck coordinates sampled exactly at one
/// lag, in units of unit diffusion: relaxing at kappa per lag.
Array ornstein_uhlenbeck(double kappa, int64_t frames, uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  const torch::Tensor xi = torch::randn({frames, 2}, gen, torch::kFloat64);
  const double a = std::exp(-kappa), s = std::sqrt((1 - a * a) / kappa);
  Array x({frames, 2}, std::vector<double>(static_cast<size_t>(frames * 2), 0.0));
  for (int64_t i = 0; i < 2; ++i) x.at(0, i) = xi[0][i].item<double>() / std::sqrt(kappa);
  const double* e = xi.data_ptr<double>();
  for (int64_t t = 1; t < frames; ++t) {
    for (int64_t i = 0; i < 2; ++i) x.at(t, i) = a * x.at(t - 1, i) + s * e[t * 2 + i];
  }
  return x;
}

}  // namespace

TEST(PriorSubstepsAuto, ChosenAfterTheWarmUpFromHowFastTheLatentRelaxes) {
  // prior_substeps = 0: one Euler step where the latent barely relaxes per
  // lag, several where it relaxes at ~2 per lag; the model keeps the count,
  // and a fixed count is left alone.
  set_num_threads(1);
  auto chosen = [](const Array& x, const ModelOptions& o) {
    TrajectorySet s;
    s.add("ou", x);
    // (Random weights, as the reference: a warm-started latent has the truth's spread at once, too wide for d_min 2.)
    Estimator e(ModelOptions(o).set_epochs(2).set_prior_refit_steps(20).set_min_dist(2).set_warm_start("none"));
    
    return e.fit(s).options().prior_substeps;
  };
  const ModelOptions automatic = ModelOptions().set_prior_substeps(0);
  EXPECT_EQ(chosen(ornstein_uhlenbeck(0.02, 8000, 1), automatic), 1);
  const int64_t stiff = chosen(ornstein_uhlenbeck(2.0, 8000, 2), automatic);
  EXPECT_GE(stiff, 4);
  EXPECT_LE(stiff, 32);
  EXPECT_EQ(chosen(ornstein_uhlenbeck(2.0, 8000, 2), ModelOptions().set_prior_substeps(1)), 1);
}

TEST(PriorSubstepsAuto, ResumedBeforeOrAfterTheChoiceEndsBitIdentical) {
  // The count is chosen after the warm-up (epoch 0) with its own random
  // stream; a training state from before the choice makes it again, one from
  // after it carries it.
  set_num_threads(1);
  TrajectorySet s;
  s.add("ou", ornstein_uhlenbeck(2.0, 6000, 3));
  const ModelOptions o =
      ModelOptions().set_prior_substeps(0).set_epochs(3).set_seed(2).set_prior_refit_steps(10).set_min_dist(2);
  StateRecorder rec;
  std::vector<EpochReport> h;
  const Model whole = train_model(o, s, &rec, h, nullptr);
  ASSERT_EQ(rec.states.size(), 3u);
  EXPECT_GT(whole.options().prior_substeps, 1);
  for (size_t k : {0u, 1u}) {
    std::vector<EpochReport> h2;
    const Model resumed = train_model(o, s, nullptr, h2, nullptr, rec.states[k]);
    SCOPED_TRACE("resumed after epoch " + std::to_string(k));
    EXPECT_EQ(resumed.options().prior_substeps, whole.options().prior_substeps);
    test::expect_same_weights(whole, resumed);
  }
}
