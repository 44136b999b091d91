// Per-frame weights of biased simulations: reading and normalising them,
// drawing in proportion to them, and the known answer: a run under a static
// bias, reweighted, gives the unbiased populations.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "dynae/analysis/landscape.h"
#include "dynae/data/frame_weights.h"
#include "dynae/data/npy.h"
#include "dynae/data/trajectory_set.h"
#include "dynae/errors.h"
#include "dynae/models/model.h"
#include "dynae/simulate/integrator.h"
#include "dynae/simulate/potential.h"
#include "test_util.h"
#include "training/resampling.h"
#include "training/train_step.h"
#include "training/trainer.h"
#include "training/weighted_draws.h"

using namespace dynae;

namespace weights_test {

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

// The known-answer system: V = 2 (x^2 - 1)^2 + 0.6 x at kT = 0.5 (left well
// about 0.9 of the population), simulated under the static bias
// V_b = -1.5 (x^2 - 1)^2 - 0.6 x, which leaves V + V_b = 0.5 (x^2 - 1)^2
// (symmetric wells, a barrier of 1 kT): reweighting by exp(V_b / kT) gives back
// the unbiased populations.
constexpr double kT = 0.5;
double potential(double x) { return 2 * (x * x - 1) * (x * x - 1) + 0.6 * x; }
double bias(double x) { return -1.5 * (x * x - 1) * (x * x - 1) - 0.6 * x; }

/// Exact populations left and right of the barrier top (the maximum of V between the wells).
std::pair<double, double> exact_populations() {
  double top = 0, v_top = -INFINITY;
  for (double x = -0.9; x <= 0.9; x += 1e-5) {
    if (potential(x) > v_top) v_top = potential(x), top = x;
  }
  double left = 0, right = 0;
  for (double x = -3; x <= 3; x += 1e-4) (x < top ? left : right) += std::exp(-potential(x) / kT);
  return {left / (left + right), right / (left + right)};
}

/// Trajectories of the biased system (x only).
std::vector<Array> biased_run(int64_t trajectories, int64_t steps, uint64_t seed) {
  const auto v = make_expression_potential("0.5*(x^2-1)^2", 1);
  LangevinOptions o;
  o.dt = 2e-3;
  o.kT = kT;
  o.steps = steps;
  o.stride = 20;
  o.burn_in = 1000;
  o.trajectories = trajectories;
  o.seed = seed;
  o.start = {0.0};
  return simulate_langevin(*v, o);
}

/// The two basins' populations, the one left of the other first.
std::pair<double, double> basin_populations(const Landscape& l) {
  EXPECT_EQ(l.basins(), 2);
  if (l.basins() != 2) return {NAN, NAN};
  return l.centers.at(0, 0) < l.centers.at(1, 0) ? std::make_pair(l.populations[0], l.populations[1])
                                                  : std::make_pair(l.populations[1], l.populations[0]);
}

}  // namespace weights_test

using namespace weights_test;

TEST(FrameWeights, KindsAreNormalisedToMeanOne) {
  auto w = normalised_weights({{1, 2}, {3}}, {"a", "b"}, WeightKind::Weights, 0);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_DOUBLE_EQ(w[0], 0.5);
  EXPECT_DOUBLE_EQ(w[2], 1.5);
  w = normalised_weights({{0.0, std::log(2.0)}}, {"a"}, WeightKind::LogWeights, 0);
  EXPECT_NEAR(w[1] / w[0], 2.0, 1e-12);
  EXPECT_NEAR(w[0] + w[1], 2.0, 1e-12);
  // A bias V in kJ/mol at kT = 2.494: w = exp(V / kT); large V must not overflow.
  w = normalised_weights({{1000.0, 1000.0 + 2.494 * std::log(3.0)}}, {"a"}, WeightKind::Bias, 2.494);
  EXPECT_NEAR(w[1] / w[0], 3.0, 1e-9);
  w = normalised_weights({{1e5, -1e5}}, {"a"}, WeightKind::LogWeights, 0);
  EXPECT_DOUBLE_EQ(w[0], 2.0);
  EXPECT_DOUBLE_EQ(w[1], 0.0);
  EXPECT_DOUBLE_EQ(effective_sample_size({1, 1, 1, 1}), 4.0);
  EXPECT_DOUBLE_EQ(effective_sample_size({1, 0, 0, 0}), 1.0);
}

TEST(FrameWeights, BadWeightsNameTheSourceAndFrame) {
  std::string m = message_of([] { normalised_weights({{1, 2}, {1, -1}}, {"a.npy", "w.txt"}, WeightKind::Weights, 0); });
  EXPECT_NE(m.find("'w.txt': the weights value of frame 1 is -1"), std::string::npos) << m;
  m = message_of([] { normalised_weights({{NAN}}, {"c"}, WeightKind::LogWeights, 0); });
  EXPECT_NE(m.find("'c': the logweights value of frame 0 is nan"), std::string::npos) << m;
  m = message_of([] { normalised_weights({{0, 0}}, {"c"}, WeightKind::Weights, 0); });
  EXPECT_NE(m.find("every frame's weight is 0"), std::string::npos) << m;
  WeightSpec s;
  s.column = "opes.bias";
  s.kind = WeightKind::Bias;
  m = message_of([&] { s.validate(1); });
  EXPECT_NE(m.find("needs kT > 0"), std::string::npos) << m;
  s.kind = WeightKind::Weights;
  s.kT = 2.5;
  m = message_of([&] { s.validate(1); });
  EXPECT_NE(m.find("kT applies to weights kind 'bias' only"), std::string::npos) << m;
  WeightSpec files;
  files.files = {"a", "b"};
  m = message_of([&] { files.validate(3); });
  EXPECT_NE(m.find("lists 2 file(s) but there are 3 input(s)"), std::string::npos) << m;
  WeightSpec none;
  none.kind = WeightKind::Bias;
  EXPECT_THROW(none.validate(1), ConfigError);
  EXPECT_THROW(parse_weight_kind("metad"), ConfigError);
  EXPECT_EQ(parse_weight_kind("LogWeights"), WeightKind::LogWeights);
}

TEST(FrameWeights, FilesInEveryFormat) {
  const std::string dir = test::scratch_dir("weight_files");
  write_npy(dir + "/w.npy", Array({3}, {1, 2, 3}), NpyDtype::Float64);
  write_npy(dir + "/w1.npy", Array({3, 1}, {1, 2, 3}), NpyDtype::Float64);
  write_npy(dir + "/w2.npy", Array({3, 2}, {1, 2, 3, 4, 5, 6}), NpyDtype::Float64);
  test::write_file(dir + "/plain.txt", "# weights\n1\n2.5\n\n3e0\n");
  test::write_file(dir + "/COLVAR", "#! FIELDS time metad.rbias\n0 1\n1 2\n#! FIELDS time metad.rbias\n0 3\n");
  test::write_file(dir + "/two.csv", "time,a,b\n0,1,2\n1,3,4\n");
  test::write_file(dir + "/bad.txt", "1\n2 3\n");
  EXPECT_EQ(read_weight_file(dir + "/w.npy", ""), (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(read_weight_file(dir + "/w1.npy", ""), (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(read_weight_file(dir + "/plain.txt", ""), (std::vector<double>{1, 2.5, 3}));
  EXPECT_EQ(read_weight_file(dir + "/COLVAR", ""), (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(read_weight_file(dir + "/two.csv", "b"), (std::vector<double>{2, 4}));
  std::string m = message_of([&] { read_weight_file(dir + "/w2.npy", ""); });
  EXPECT_NE(m.find("must be a (T,) or (T, 1) array, got shape (3, 2)"), std::string::npos) << m;
  m = message_of([&] { read_weight_file(dir + "/two.csv", ""); });
  EXPECT_NE(m.find("several columns (time, a, b): name the one"), std::string::npos) << m;
  m = message_of([&] { read_weight_file(dir + "/two.csv", "c"); });
  EXPECT_NE(m.find("no column named 'c'"), std::string::npos) << m;
  m = message_of([&] { read_weight_file(dir + "/bad.txt", ""); });
  EXPECT_NE(m.find("bad.txt', line 2: '2 3' is not one number"), std::string::npos) << m;
}

TEST(FrameWeights, LoadedBesideTheTrajectories) {
  const std::string dir = test::scratch_dir("weight_load");
  // A COLVAR with a restart: the bias column gives the weights of both blocks.
  test::write_file(dir + "/COLVAR",
                   "#! FIELDS time d1 d2 opes.bias\n0 1 2 0\n1 2 3 1\n2 3 4 0\n#! FIELDS time d1 d2 opes.bias\n0 4 5 2\n1 5 6 0\n");
  WeightSpec spec;
  spec.column = "opes.bias";
  spec.kind = WeightKind::Bias;
  spec.kT = 1;
  const TrajectorySet s = load_trajectories({dir + "/COLVAR"}, {}, {}, spec);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s.feature_names(), (std::vector<std::string>{"d1", "d2"}));
  ASSERT_TRUE(s.weighted());
  const std::vector<double>& w = s.weights();
  ASSERT_EQ(w.size(), 5u);
  EXPECT_NEAR(w[1] / w[0], std::exp(1.0), 1e-12);
  EXPECT_NEAR(w[3] / w[0], std::exp(2.0), 1e-12);
  EXPECT_NEAR(w[0] + w[1] + w[2] + w[3] + w[4], 5.0, 1e-12);
  EXPECT_EQ(s.trajectory_weights(1), (std::vector<double>{w[3], w[4]}));
  // One weights file per input, split like the input's blocks.
  test::write_file(dir + "/w.txt", "1\n1\n1\n3\n3\n");
  WeightSpec files;
  files.files = {dir + "/w.txt"};
  const TrajectorySet f = load_trajectories({dir + "/COLVAR"}, {}, {}, files);
  EXPECT_NEAR(f.trajectory_weights(1)[0] / f.trajectory_weights(0)[0], 3.0, 1e-12);
  EXPECT_EQ(f.feature_names(), (std::vector<std::string>{"d1", "d2"}));  // opes.bias is bias-like
  test::write_file(dir + "/short.txt", "1\n1\n");
  files.files = {dir + "/short.txt"};
  std::string m = message_of([&] { load_trajectories({dir + "/COLVAR"}, {}, {}, files); });
  EXPECT_NE(m.find("short.txt': 2 weights but its input '" + dir + "/COLVAR' has 5 frames"), std::string::npos) << m;
  write_npy(dir + "/x.npy", Array({5, 1}, {1, 2, 3, 4, 5}));
  m = message_of([&] { load_trajectories({dir + "/x.npy"}, {}, {}, spec); });
  EXPECT_NE(m.find("x.npy' is a .npy array: it has no column 'opes.bias'"), std::string::npos) << m;
  spec.column = "opes.rct";
  m = message_of([&] { load_trajectories({dir + "/COLVAR"}, {}, {}, spec); });
  EXPECT_NE(m.find("no weights column 'opes.rct'"), std::string::npos) << m;
}

TEST(WeightedDraws, FrequenciesFollowTheWeights) {
  // Two groups: {10: w 1, 11: w 0, 12: w 3} and {20: w 2}.
  const WeightedDraws d({10, 11, 12, 20}, {1, 0, 3, 2}, {0, 3, 4});
  EXPECT_EQ(d.groups(), 2);
  EXPECT_DOUBLE_EQ(d.total(0), 4.0);
  std::vector<int64_t> out(40000);
  d.draw(0, 40000, 7, out.data());
  std::map<int64_t, int64_t> n;
  for (int64_t q : out) n[q] += 1;
  EXPECT_EQ(n.count(11), 0u) << "a weight-0 item was drawn";
  EXPECT_NEAR(n[12] / 40000.0, 0.75, 0.01);  // sd 0.002
  EXPECT_EQ(n[10] + n[12], 40000);
  std::vector<int64_t> again(40000);
  d.draw(0, 40000, 7, again.data());
  EXPECT_EQ(out, again);
  d.draw(1, 5, 1, out.data());
  EXPECT_EQ(std::set<int64_t>(out.begin(), out.begin() + 5), std::set<int64_t>{20});
}

TEST(WeightedDraws, ResamplerPopulationsAreWeightSums) {
  // Two far-apart clusters of 600 and 400 pairs; the second's pairs weigh 6
  // times more, so its population is 1000 * 2400 / 3000 = 800 and with
  // bias factor 1 it gets 4 times the batches of the first.
  const int64_t n = 1000;
  std::vector<float> z;
  std::vector<double> w;
  for (int64_t q = 0; q < n; ++q) {
    const bool second = q % 5 >= 3;
    z.push_back(second ? 100.0f : 0.0f);
    z.push_back(0.0f);
    w.push_back(second ? 6.0 : 1.0);
  }
  w[0] = 0;  // never drawn
  const PairIndex pairs({n + 1}, 1, 0.0, 1);
  ResamplingOptions o;
  o.d_min = 10;
  o.batch_size = 10;
  o.bias_factor = 1.0;
  Resampler r(pairs, 2, o);
  r.set_pair_weights(&w);
  r.resample([&](const int64_t* q, int64_t m, float* out) {
    for (int64_t i = 0; i < m; ++i) std::copy_n(z.data() + 2 * q[i], 2, out + 2 * i);
  }, 3);
  ASSERT_EQ(r.clusters(), 2);
  const std::vector<double> pop = r.populations();
  const int second = r.label(3);
  EXPECT_NEAR(pop[second], 1000.0 * 2400 / (2400 + 599), 1e-9);
  std::map<int, int64_t> batches;
  std::map<int64_t, int64_t> times;
  std::vector<int64_t> b(10);
  for (int64_t i = 0; i < r.batches(PairSet::train); ++i) {
    r.batch(PairSet::train, i, b.data());
    for (int64_t q : b) {
      EXPECT_EQ(r.label(q), r.label(b[0])) << "a batch mixes clusters";
      times[q] += 1;
    }
    batches[r.label(b[0])] += 1;
  }
  EXPECT_EQ(times.count(0), 0u) << "a weight-0 pair was drawn";
  EXPECT_EQ(batches[second], 81);     // floor(800.27 / 10) + 1
  EXPECT_EQ(batches[1 - second], 20);  // floor(199.73 / 10) + 1
}

namespace {

// Every batch the trainer trains and evaluates on, seen through a step that
// records the first frames and passes on to the autograd step.
std::map<int64_t, int64_t> g_seen;
class RecordingStep : public TrainStep {
 public:
  explicit RecordingStep(std::unique_ptr<TrainStep> inner) : inner_(std::move(inner)) {}
  void set_learning_rate(double lr, bool restart) override { inner_->set_learning_rate(lr, restart); }
  StepLosses train(const PairRefs& b, double beta) override {
    for (int64_t j = 0; j < b.count; ++j) g_seen[b.first_frames[j]] += 1;
    return inner_->train(b, beta);
  }
  StepLosses evaluate_batches(int64_t count, const std::function<PairRefs(int64_t)>& batch, double beta) override {
    return inner_->evaluate_batches(
        count,
        [&](int64_t i) {
          const PairRefs b = batch(i);
          for (int64_t j = 0; j < b.count; ++j) g_seen[b.first_frames[j]] += 1;
          return b;
        },
        beta);
  }
  void encode(const int64_t* f, int64_t n, int64_t shift, float* z) override { inner_->encode(f, n, shift, z); }
  bool has_own_prior() const override { return inner_->has_own_prior(); }
  void begin_prior_refit() override { inner_->begin_prior_refit(); }
  double refit_prior_step(const float* a, const float* b, int64_t n, double lr) override {
    return inner_->refit_prior_step(a, b, n, lr);
  }
  std::string save_state() const override { return inner_->save_state(); }
  void load_state(const std::string& bytes) override { inner_->load_state(bytes); }

 private:
  std::unique_ptr<TrainStep> inner_;
};
std::unique_ptr<TrainStep> make_recording_step(const StepContext& c) {
  return std::make_unique<RecordingStep>(make_autograd_step(c));
}

}  // namespace

TEST(WeightedTraining, BatchesDrawPairsInProportionToWeight) {
  // Frames with x < 0 weigh 0: no batch, warm-up or resampled, train or
  // test, may hold one; frames with x > 1 weigh 3 times the others.
  const Array x = read_npy(kData + "three_state_transformed_traj_data200k.npy").slice_frames(0, 6000);
  TrajectorySet data;
  data.add("subset", x);
  std::vector<double> w(static_cast<size_t>(x.frames()));
  for (int64_t t = 0; t < x.frames(); ++t) w[t] = x.at(t, 0) < 0 ? 0.0 : x.at(t, 0) > 1 ? 3.0 : 1.0;
  data.set_weights(w);
  ModelOptions o;
  o.set_epochs(3).set_warmup_epochs(1).set_seed(2).set_prior_refit_steps(20);
  g_seen.clear();
  std::vector<EpochReport> history;
  train_model(o, data, nullptr, history, make_recording_step);
  int64_t zero = 0, heavy = 0, light = 0;
  for (const auto& [t, n] : g_seen) {
    (w[t] == 0 ? zero : w[t] == 3 ? heavy : light) += n;
  }
  EXPECT_EQ(zero, 0) << "frames of weight 0 were trained on";
  EXPECT_GT(heavy + light, 0);
  // In the warm-up epoch the draws follow the weights alone: check the
  // per-frame rate of heavy frames is about 3 times that of light ones over
  // all epochs (the resampled ones reweight clusters, not frames within one).
  int64_t n_heavy = 0, n_light = 0;
  for (double v : w) {
    n_heavy += v == 3;
    n_light += v == 1;
  }
  const double ratio = (static_cast<double>(heavy) / n_heavy) / (static_cast<double>(light) / n_light);
  EXPECT_GT(ratio, 1.5) << "heavy frames are not drawn more often";
  ASSERT_EQ(history.size(), 3u);
  EXPECT_TRUE(std::isfinite(history.back().test.total));
}

TEST(WeightedLandscape, StaticBiasReweightedRecoversTheUnbiasedPopulations) {
  const auto [left, right] = exact_populations();
  ASSERT_NEAR(left, 0.9, 0.05);  // the test system is as described
  const std::vector<Array> runs = biased_run(4, 500000, 11);
  const Array z = Array::concat_frames(runs);
  std::vector<double> w;
  for (int64_t t = 0; t < z.frames(); ++t) w.push_back(std::exp(bias(z.at(t, 0)) / kT));
  const Landscape reweighted = compute_landscape(z, {}, w);
  const auto [r_left, r_right] = basin_populations(reweighted);
  int64_t below = 0;
  for (double v : z.data) below += v < 0;
  EXPECT_NEAR(static_cast<double>(below) / static_cast<double>(z.frames()), 0.5, 0.05);  // the biased run is symmetric
  EXPECT_NEAR(r_left, left, 0.02);
  EXPECT_NEAR(r_right, right, 0.02);
  // Counts are sums of weights; F follows them.
  double total = 0;
  for (double c : reweighted.counts.data) total += c;
  double sum_w = 0;
  for (double v : w) sum_w += v;
  EXPECT_NEAR(total, sum_w, 1e-6 * sum_w);
  EXPECT_THROW(compute_landscape(z, {}, std::vector<double>(3, 1.0)), DataError);
  EXPECT_THROW(compute_landscape(z, {}, std::vector<double>(static_cast<size_t>(z.frames()), 0.0)), DataError);
}

TEST(WeightedLandscape, CliTrainsOnABiasedColvarAndReweights) {
  // The acceptance loop on the known-answer system: a COLVAR with a bias
  // column, trained with --weights-column --weights-kind bias --kT, then the
  // landscape of the reweighted latent.
  const std::string dir = test::scratch_dir("weights_cli");
  const std::vector<Array> runs = biased_run(2, 500000, 5);
  std::string text;
  char line[128];
  for (const Array& r : runs) {
    text += "#! FIELDS time x x2 bias.bias\n";
    for (int64_t t = 0; t < r.frames(); ++t) {
      const double x = r.at(t, 0);
      std::snprintf(line, sizeof line, "%lld %.7f %.7f %.7f\n", static_cast<long long>(t), x, x * x, bias(x));
      text += line;
    }
  }
  test::write_file(dir + "/COLVAR", text);
  const std::string weights = " --weights-column bias.bias --weights-kind bias --kT 0.5";
  test::CliResult r =
      test::run_cli("train -i " + dir + "/COLVAR --model TICA --d 1 --features x --lag 5" + weights + " -o " + dir + "/run", dir);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("frame weights (bias, from column 'bias.bias')"), std::string::npos) << r.output;
  const std::string config = test::read_file(dir + "/run/config.ini");
  EXPECT_NE(config.find("weights_column = bias.bias"), std::string::npos) << config;
  EXPECT_NE(config.find("weights_kind = bias"), std::string::npos) << config;
  r = test::run_cli("landscape -m " + dir + "/run/model.pt -i " + dir + "/COLVAR" + weights + " -o " + dir + "/land", dir);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("reweighted"), std::string::npos) << r.output;
  // states.csv: state,centre_z0,free_energy_kT,population; state 0 is the deeper (left) well.
  std::istringstream csv(test::read_file(dir + "/land/states.csv"));
  std::string row;
  std::getline(csv, row);
  std::vector<double> populations;
  while (std::getline(csv, row)) populations.push_back(std::stod(row.substr(row.rfind(',') + 1)));
  ASSERT_EQ(populations.size(), 2u) << test::read_file(dir + "/land/states.csv");
  EXPECT_NEAR(populations[0], exact_populations().first, 0.02);
  // Weights options that do not fit are refused before anything runs.
  r = test::run_cli("train -i " + dir + "/COLVAR --model TICA --d 1 --features x --weights-kind bias -o " + dir + "/bad", dir);
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("without weights"), std::string::npos) << r.output;
  r = test::run_cli("train -i " + dir + "/COLVAR --model TICA --d 1 --features x --weights-column bias.bias "
                    "--weights-kind bias -o " + dir + "/bad", dir);
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("needs kT > 0"), std::string::npos) << r.output;
}
