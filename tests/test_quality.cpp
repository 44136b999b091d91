// The run's own quality figure (the slowest implied timescale of an MSM on
// the latent) against known answers, and the several starts that it chooses
// between: the best is kept, its figures travel in model.pt and the training
// state, and a resumed run ends bit-identical. Also standardize = auto.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "dynae/analysis/slow_timescale.h"
#include "dynae/data/npy.h"
#include "dynae/errors.h"
#include "dynae/models/model.h"
#include "dynae/runtime.h"
#include "models/model_impl.h"
#include "training/trainer.h"
#include "model_compare.h"
#include "test_util.h"

using namespace dynae;

namespace {

/// A 1-D latent that jumps between -1 and +1 with probability p per frame,
/// with independent N(0, noise^2) scatter around each: its slow process is
/// the two-state chain's, eigenvalue 1 - 2p, timescale -1 / ln(1 - 2p) frames.
Array two_state_latent(int64_t frames, double p, double noise, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u;
  std::normal_distribution<double> g(0.0, noise);
  Array z = Array::zeros({frames, 1});
  double s = -1;
  for (int64_t t = 0; t < frames; ++t) {
    if (u(rng) < p) s = -s;
    z.data[t] = s + g(rng);
  }
  return z;
}

}  // namespace

TEST(SlowTimescale, TwoStateChainGivesItsKnownTimescale) {
  const double p = 0.01, truth = -1.0 / std::log(1 - 2 * p);  // 49.5 frames
  for (int64_t lag : {1, 10, 30}) {
    SlowTimescaleOptions o;
    o.lag = lag;
    const SlowTimescale q = slowest_timescale({two_state_latent(100000, p, 0.2, 5)}, o);
    SCOPED_TRACE("lag " + std::to_string(lag));
    EXPECT_NEAR(q.timescale, truth, 0.08 * truth);
    EXPECT_EQ(q.lag, lag);
    // The scatter inside a basin forgets itself at once: what is left is the
    // estimate's noise floor (eigenvalues of order 1 / sqrt(pairs)), a fraction of the lag.
    EXPECT_LT(q.second, std::max(0.1 * truth, 0.5 * static_cast<double>(lag)));
  }
}

TEST(SlowTimescale, TwoTrajectoriesCountNoPairAcrossTheirJoin) {
  // Two constant halves, one at -1 and one at +1: as one trajectory the jump
  // is a transition; as two, no state is ever left, and no slow process between them is seen.
  Array a = Array::zeros({5000, 1}), b = Array::zeros({5000, 1});
  std::mt19937_64 rng(1);
  std::normal_distribution<double> g(0.0, 0.1);
  for (int64_t t = 0; t < 5000; ++t) a.data[t] = -1 + g(rng), b.data[t] = 1 + g(rng);
  SlowTimescaleOptions o;
  o.lag = 5;
  const SlowTimescale apart = slowest_timescale({a, b}, o);
  EXPECT_LT(apart.timescale, 5.0);  // two disconnected basins: the MSM keeps one, fast inside
}

TEST(SlowTimescale, ACollapsedLatentScoresZeroAndNoiseScoresLow) {
  SlowTimescaleOptions o;
  EXPECT_EQ(slowest_timescale({Array::zeros({1000, 2})}, o).timescale, 0.0);
  std::mt19937_64 rng(2);
  std::normal_distribution<double> g;
  Array noise = Array::zeros({20000, 2});
  for (double& v : noise.data) v = g(rng);
  const SlowTimescale q = slowest_timescale({noise}, o);
  EXPECT_LT(q.timescale, 5.0);  // i.i.d. frames: no memory at lag 10, only the estimate's noise floor
}

TEST(SlowTimescale, RefusesTooShortTrajectoriesAndNonFiniteLatents) {
  SlowTimescaleOptions o;
  o.lag = 50;
  EXPECT_THROW(slowest_timescale({two_state_latent(40, 0.1, 0.1, 1)}, o), DataError);
  Array z = two_state_latent(1000, 0.1, 0.1, 1);
  z.data[17] = NAN;
  o.lag = 1;
  EXPECT_THROW(slowest_timescale({z}, o), DataError);
  o.lag = 0;
  EXPECT_THROW(slowest_timescale({two_state_latent(100, 0.1, 0.1, 1)}, o), ConfigError);
}

TEST(SlowTimescale, AutomaticLagIsTenTrainingLagsWithinATenthOfTheData) {
  EXPECT_EQ(auto_score_lag(1, {150000}), 10);
  EXPECT_EQ(auto_score_lag(3, {1000, 5000}), 30);
  EXPECT_EQ(auto_score_lag(1, {60}), 6);
  EXPECT_EQ(auto_score_lag(5, {8}), 1);
}

namespace {

struct StartsRecorder : TrainingObserver {
  std::vector<std::string> states, notes;
  bool wants_checkpoints() const override { return true; }
  void on_checkpoint(const std::string& s) override { states.push_back(s); }
  void on_note(const std::string& m) override { notes.push_back(m); }
};

TrajectorySet three_state_subset(int64_t frames) {
  TrajectorySet s;
  s.add("three_state_subset", read_npy(kData + "three_state_transformed_traj_data200k.npy").slice_frames(0, frames));
  return s;
}

}  // namespace

TEST(Starts, TheStartWithTheSlowestLatentIsKeptAndResumesBitIdentical) {
  set_num_threads(1);
  const TrajectorySet data = three_state_subset(8000);
  const ModelOptions o =
      ModelOptions().set_epochs(4).set_start_epochs(2).set_starts(3).set_seed(4).set_prior_refit_steps(30);
  StartsRecorder rec;
  std::vector<EpochReport> h;
  const Model whole = train_model(o, data, &rec, h, nullptr);
  const TrainingQuality& q = whole.quality();
  ASSERT_EQ(q.start_timescales.size(), 3u);
  for (size_t k = 0; k < 3; ++k) EXPECT_GE(q.start_timescales[q.chosen_start], q.start_timescales[k]);
  EXPECT_NE(q.start_timescales[0], q.start_timescales[1]);  // the starts differ
  EXPECT_TRUE(q.measured());
  EXPECT_EQ(q.lag, 10);
  EXPECT_GT(q.timescale, 10.0);  // three metastable states: far slower than one lag
  EXPECT_EQ(h.size(), 4u);       // the kept start's epochs
  EXPECT_EQ(h.front().epoch, 0);
  // Checkpoints: one when the start is chosen (after its start_epochs), then one an epoch.
  ASSERT_EQ(rec.states.size(), 3u);
  for (size_t k = 0; k < rec.states.size(); ++k) {
    std::vector<EpochReport> h2;
    const Model resumed = train_model(o, data, nullptr, h2, nullptr, rec.states[k]);
    SCOPED_TRACE("resumed from state " + std::to_string(k));
    EXPECT_EQ(h2.size(), 2 - k);
    test::expect_same_weights(whole, resumed);
    EXPECT_EQ(resumed.quality().start_timescales, q.start_timescales);
    EXPECT_EQ(resumed.quality().chosen_start, q.chosen_start);
    EXPECT_EQ(resumed.quality().timescale, q.timescale);
  }
  // The figures survive model.pt.
  const std::string dir = test::scratch_dir("starts");
  whole.save(dir + "/model.pt");
  const Model loaded = Model::load(dir + "/model.pt");
  EXPECT_EQ(loaded.quality().start_timescales, q.start_timescales);
  EXPECT_EQ(loaded.quality().chosen_start, q.chosen_start);
  EXPECT_EQ(loaded.quality().lag, q.lag);
  EXPECT_EQ(loaded.quality().timescale, q.timescale);
  EXPECT_EQ(loaded.quality().second, q.second);
  // Every start is said in the log, and which was kept.
  int said = 0;
  for (const std::string& n : rec.notes) said += n.find("slowest implied timescale") != std::string::npos;
  EXPECT_EQ(said, 4);  // three starts and the final figure
}

TEST(Starts, AScoreLagLongerThanTheDataIsRefusedBeforeTraining) {
  const TrajectorySet data = three_state_subset(500);
  std::vector<EpochReport> h;
  try {
    train_model(ModelOptions().set_epochs(2).set_score_lag(500), data, nullptr, h, nullptr);
    FAIL() << "score_lag 500 on 500 frames was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("score_lag = 500"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(h.empty());  // nothing was trained
}

TEST(Starts, OneStartWhenTheRunIsNoLongerThanTheStarts) {
  set_num_threads(1);
  const TrajectorySet data = three_state_subset(4000);
  const ModelOptions o = ModelOptions().set_epochs(2).set_start_epochs(2).set_starts(3).set_prior_refit_steps(10);
  std::vector<EpochReport> h1, h2;
  const Model a = train_model(o, data, nullptr, h1, nullptr);
  const Model b = train_model(ModelOptions(o).set_starts(1), data, nullptr, h2, nullptr);
  EXPECT_TRUE(a.quality().start_timescales.empty());
  test::expect_same_weights(a, b);
}

TEST(Starts, AutomaticStartsTakeATenthOfTheRunEachFromTwentyEpochs) {
  // start_epochs = 0: a tenth of max_epochs, at least 2; starts = 0: 4 for DynAE from 20 epochs
  EXPECT_EQ(ModelOptions().set_epochs(50).epochs_per_start(), 5);
  EXPECT_EQ(ModelOptions().set_epochs(20).epochs_per_start(), 2);
  EXPECT_EQ(ModelOptions().set_epochs(129).epochs_per_start(), 12);
  EXPECT_EQ(ModelOptions().set_epochs(6).epochs_per_start(), 2);
  EXPECT_EQ(ModelOptions().set_epochs(50).set_start_epochs(7).epochs_per_start(), 7);
  EXPECT_EQ(ModelOptions().set_epochs(50).starts_asked(), 4);
  EXPECT_EQ(ModelOptions().set_epochs(20).starts_asked(), 4);
  EXPECT_EQ(ModelOptions().set_epochs(19).starts_asked(), 1);
  EXPECT_EQ(ModelOptions().set_epochs(6).set_starts(3).starts_asked(), 3);
  EXPECT_EQ(ModelOptions().set_model("vae").set_epochs(50).starts_asked(), 1);
  EXPECT_EQ(ModelOptions().set_model("tae").set_epochs(50).set_starts(2).starts_asked(), 2);
}

TEST(Standardize, AutoScalesFeaturesWhoseSpreadsDifferAndLeavesSimilarOnesAlone) {
  set_num_threads(1);
  const Array x = read_npy(kData + "three_state_transformed_traj_data200k.npy").slice_frames(0, 3000);
  for (double factor : {1.0, 2.0, 10.0}) {
    Array y = x;
    for (int64_t t = 0; t < y.frames(); ++t) y.at(t, 1) *= factor;
    TrajectorySet s;
    s.add("scaled", y);
    std::vector<EpochReport> h;
    const Model m = train_model(ModelOptions().set_epochs(1).set_prior_refit_steps(0), s, nullptr, h, nullptr);
    // The features' sds are 0.92 and 0.61 x factor: 1.5 and 1.3 apart, then 6.7.
    SCOPED_TRACE("factor " + std::to_string(factor));
    EXPECT_EQ(!m.impl().input_scaling.empty(), factor == 10.0);
    const Model off =
        train_model(ModelOptions().set_epochs(1).set_prior_refit_steps(0).set_standardize("False"), s, nullptr, h, nullptr);
    EXPECT_TRUE(off.impl().input_scaling.empty());
  }
}
