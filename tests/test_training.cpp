// End-to-end: DynAE on a subset of the bundled warped three-state data.
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
#include "test_util.h"

using namespace dynae;

namespace {

const std::string kData = std::string(DYNAE_EXAMPLES_DIR) + "/data/";

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

}  // namespace

TEST(Training, ShortRunRecoversTheTruthFarBetterThanUntrained) {
  set_num_threads(1);
  const Subset& d = subset(100000);
  const ModelOptions o = ModelOptions().set_epochs(20).set_seed(0);
  Estimator estimator(o);
  const Model model = estimator.fit(set_of(d.input));
  const IdentifiabilityMetrics trained = compare_latents(d.truth, model.encode(d.input));

  auto gen = at::make_generator<at::CPUGeneratorImpl>(0);
  const Model untrained(std::make_shared<Model::Impl>(o, std::vector<int64_t>{2}, std::vector<int64_t>{2}, gen));
  const IdentifiabilityMetrics before = compare_latents(d.truth, untrained.encode(d.input));

  std::printf("untrained: r2 %.4f disparity %.4f anisotropy %.3f | trained: r2 %.4f disparity %.4f anisotropy %.3f "
              "step variance %.3f %.3f\n",
              before.r2, before.disparity, before.anisotropy, trained.r2, trained.disparity, trained.anisotropy,
              trained.step_variance[0], trained.step_variance[1]);
  // 20 epochs on 100k frames falls short of the 50-epoch result on all
  // 200k (R^2 0.999, disparity 0.002) but is far from the untrained encoder
  // (r2 0.70, disparity 0.50, anisotropy 4.2). Such short runs spread widely
  // with the seed. Measured for seeds 0-2 on the fused path: r2 0.978 /
  // 0.995 / 0.984, disparity 0.065 / 0.007 / 0.043, anisotropy 1.55 / 1.09 /
  // 1.40 (the fused path before the streamed resampling: r2 0.989 / 0.999 /
  // 0.984, disparity 0.030 / 0.005 / 0.034).
  EXPECT_GT(trained.r2, 0.97);
  EXPECT_LT(trained.disparity, 0.1);
  EXPECT_LT(trained.anisotropy, 1.7);
  EXPECT_LT(trained.disparity, before.disparity / 5);
  for (double v : trained.step_variance) EXPECT_NEAR(v, 2.0, 0.6);

  // History: one report per epoch, warm-up at beta/100, resampling after it.
  ASSERT_EQ(estimator.history().size(), 20u);
  EXPECT_DOUBLE_EQ(estimator.history()[0].beta, 0.1);
  EXPECT_DOUBLE_EQ(estimator.history()[0].learning_rate, 1e-4);
  EXPECT_EQ(estimator.history()[0].clusters, 0);
  EXPECT_GT(estimator.history()[19].clusters, 1);
  EXPECT_LT(estimator.history()[19].train.reconstruction, estimator.history()[0].train.reconstruction);
  EXPECT_GT(model.cluster_centers().frames(), 1);
}

TEST(Training, SameSeedSameThreadsBitIdentical) {
  set_num_threads(1);
  const Subset& d = subset(6000);
  const ModelOptions o = ModelOptions().set_epochs(3).set_seed(5);
  const Array z1 = Estimator(o).fit(set_of(d.input)).encode(d.input);
  const Array z2 = Estimator(o).fit(set_of(d.input)).encode(d.input);
  EXPECT_EQ(z1.data, z2.data);
  const Array z3 = Estimator(ModelOptions(o).set_seed(6)).fit(set_of(d.input)).encode(d.input);
  EXPECT_NE(z1.data, z3.data);
}

TEST(Training, LearnedDiffusionTrains) {
  set_num_threads(1);
  const Subset& d = subset(6000);
  Estimator est(ModelOptions().set_epochs(3).set_learn_diffusion(true));
  const Model m = est.fit(set_of(d.input));
  const Array dz = m.diffusion(m.encode(d.input.slice_frames(0, 10)));
  for (double v : dz.data) EXPECT_TRUE(v > 0 && std::isfinite(v));
  EXPECT_TRUE(std::isfinite(est.history().back().train.prior));
}

TEST(Training, DivergenceStopsClearlyAndKeepsTheLastGoodCheckpoint) {
  set_num_threads(1);
  const std::string dir = test::scratch_dir("diverge");
  write_npy(dir + "/x.npy", subset(6000).input);
  RunSettings s;
  s.input_paths = {dir + "/x.npy"};
  s.options.set_epochs(3).set_learning_rate(1e12);  // epoch 0 uses the warm-up lr
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

TEST(Training, TooFewPairsIsAnError) {
  TrajectorySet s;
  s.add("tiny", subset(6000).input.slice_frames(0, 100));
  EXPECT_THROW(Estimator(ModelOptions()).fit(s), DataError);
}

TEST(Training, LongerWarmUpKeepsBetaLowAndResamplingOffThatLong) {
  set_num_threads(1);
  const Subset& d = subset(6000);
  Estimator est(ModelOptions().set_epochs(4).set_warmup_epochs(2).set_beta(10));
  est.fit(set_of(d.input));
  const auto& h = est.history();
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
