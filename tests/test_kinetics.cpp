// Kinetics: Markov state models (counts, connected sets, reversible MLE,
// implied timescales with bootstrap), the Chapman-Kolmogorov test, VAMP-2 and
// discretisation, against known answers.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <random>

#include "dynae/analysis/ck_test.h"
#include "dynae/analysis/discretise.h"
#include "dynae/analysis/msm.h"
#include "dynae/analysis/vamp.h"
#include "dynae/errors.h"
#include "dynae/experiments/kinetics.h"
#include "test_util.h"

using namespace dynae;

namespace {

/// A reversible 4-state chain: T_ij = K_ij / pi_i with symmetric K.
Eigen::MatrixXd four_state_chain() {
  Eigen::MatrixXd k(4, 4);
  k << 0.30, 0.01, 0.002, 0.0,
       0.01, 0.20, 0.02, 0.001,
       0.002, 0.02, 0.25, 0.005,
       0.0, 0.001, 0.005, 0.15;
  Eigen::MatrixXd t = k;
  for (int i = 0; i < 4; ++i) t.row(i) /= k.row(i).sum();
  return t;
}

std::vector<int64_t> sample_chain(const Eigen::MatrixXd& t, int64_t steps, uint64_t seed, int64_t start = 0) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u;
  std::vector<int64_t> s(static_cast<size_t>(steps));
  int64_t x = start;
  for (int64_t i = 0; i < steps; ++i) {
    s[i] = x;
    double r = u(rng);
    int64_t y = 0;
    while (y + 1 < t.cols() && r > t(x, y)) r -= t(x, y++);
    x = y;
  }
  return s;
}

/// Eigenvalues of a reversible T, descending by modulus.
std::vector<double> true_eigenvalues(const Eigen::MatrixXd& t) {
  Eigen::EigenSolver<Eigen::MatrixXd> es(t);
  std::vector<double> ev;
  for (int i = 0; i < t.rows(); ++i) ev.push_back(es.eigenvalues()(i).real());
  std::sort(ev.begin(), ev.end(), [](double a, double b) { return std::abs(a) > std::abs(b); });
  return ev;
}

/// Overdamped Langevin in V = 2 (x^2 - 1)^2, kT = 1, D = 1, Euler-Maruyama at
/// dt = 1e-3, one frame every 10 steps.
constexpr double kWellFrame = 10e-3;
std::vector<double> double_well_frames(int64_t frames, uint64_t seed) {
  const double dt = 1e-3;
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::vector<double> out;
  double x = -1;
  for (int64_t f = 0; f < frames; ++f) {
    for (int k = 0; k < 10; ++k) x += -8 * x * (x * x - 1) * dt + std::sqrt(2 * dt) * normal(rng);
    out.push_back(x);
  }
  return out;
}

/// Slowest timescale (frames) of the generator of the same potential,
/// discretised independently on a fine grid (square-root approximation:
/// k_i->j = D/h^2 exp(-(V_j - V_i) / 2)).
double double_well_slowest_timescale() {
  const double h = 0.01;
  const int n = static_cast<int>(std::lround(5.0 / h)) + 1;
  Eigen::MatrixXd q = Eigen::MatrixXd::Zero(n, n);
  auto v = [](double y) { return 2 * (y * y - 1) * (y * y - 1); };
  for (int i = 0; i < n; ++i) {
    const double xi = -2.5 + i * h;
    for (int j : {i - 1, i + 1}) {
      if (j < 0 || j >= n) continue;
      q(i, j) = std::exp(-(v(-2.5 + j * h) - v(xi)) / 2) / (h * h);
      q(i, i) -= q(i, j);
    }
  }
  Eigen::EigenSolver<Eigen::MatrixXd> es(q, false);
  std::vector<double> mu;
  for (int i = 0; i < n; ++i) mu.push_back(es.eigenvalues()(i).real());
  std::sort(mu.begin(), mu.end(), std::greater<double>());
  return -1 / mu[1] / kWellFrame;
}

}  // namespace

TEST(Msm, CountsSlideInsideTrajectoriesAndSkipUnassigned) {
  const DiscreteTrajectories d = {{0, 1, 1, -1, 0}, {1, 0}};
  const CountMatrix c1 = count_transitions(d, 2, 1);
  EXPECT_EQ(c1.at(0, 1), 1);  // 0->1 in the first, none across trajectories or from/to -1
  EXPECT_EQ(c1.at(1, 1), 1);
  EXPECT_EQ(c1.at(1, 0), 1);  // only from the second trajectory
  EXPECT_EQ(c1.at(0, 0), 0);
  EXPECT_EQ(c1.total(), 3);
  const CountMatrix c2 = count_transitions(d, 2, 2);
  EXPECT_EQ(c2.at(0, 1), 1);  // (0, 1) at t = 0
  EXPECT_EQ(c2.at(1, 0), 1);  // (1, 0) at t = 2
  EXPECT_EQ(c2.total(), 2);
  EXPECT_EQ(max_transitions(d, 2), 3);
  EXPECT_THROW(count_transitions(d, 1, 1), DataError);   // label 1 >= states
  EXPECT_THROW(count_transitions(d, 2, 0), DataError);   // lag 0
  EXPECT_THROW(count_states({{-1, -1}}), DataError);
  EXPECT_THROW(count_states({{0, -2}}), DataError);
  EXPECT_EQ(count_states(d), 2);
}

TEST(Msm, LargestConnectedSetDropsStatesSeenOnlyOneWay) {
  // 0 <-> 1 <-> 2 strongly connected; 3 only entered (last frame); 4 never seen; 5 <-> 6 a smaller component.
  const DiscreteTrajectories d = {{0, 1, 2, 1, 0, 1, 2, 3}, {5, 6, 5, 6}};
  const CountMatrix c = count_transitions(d, 7, 1);
  EXPECT_EQ(largest_connected_set(c), (std::vector<int64_t>{0, 1, 2}));
  const Msm m = estimate_msm(c, 1);
  EXPECT_EQ(m.active, (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(m.dropped, (std::vector<int64_t>{3, 5, 6}));
  EXPECT_NEAR(m.active_count_fraction, 6.0 / 10.0, 1e-12);
  EXPECT_EQ(m.active_index(2), 2);
  EXPECT_EQ(m.active_index(4), -1);
  for (double v : m.transition.data) EXPECT_TRUE(std::isfinite(v));
  for (double t : m.timescales(5)) EXPECT_FALSE(std::isnan(t));
  EXPECT_EQ(m.timescales(5).size(), 2u);  // three active states: two processes
}

TEST(Msm, ReversibleMleOfDetailedBalancedCountsIsTheRowNormalisedCounts) {
  CountMatrix c;
  c.states = 3;
  c.counts = {50, 4, 1, 4, 30, 6, 1, 6, 20};  // symmetric
  const Msm m = estimate_msm(c, 1);
  ASSERT_TRUE(m.converged);
  const double rows[3] = {55, 40, 27};
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) EXPECT_NEAR(m.transition.data[i * 3 + j], c.counts[i * 3 + j] / rows[i], 1e-10);
    EXPECT_NEAR(m.stationary[i], rows[i] / 122.0, 1e-10);
  }
  // Detailed balance holds for the reversible estimate of asymmetric counts too.
  c.counts = {50, 9, 1, 2, 30, 6, 0, 3, 20};
  const Msm r = estimate_msm(c, 1);
  for (int i = 0; i < 3; ++i) {
    double row = 0;
    for (int j = 0; j < 3; ++j) {
      row += r.transition.data[i * 3 + j];
      EXPECT_NEAR(r.stationary[i] * r.transition.data[i * 3 + j], r.stationary[j] * r.transition.data[j * 3 + i], 1e-10);
    }
    EXPECT_NEAR(row, 1, 1e-12);
  }
  // The non-reversible MLE is the row-normalised counts, stationary = its left eigenvector.
  const Msm nr = estimate_msm(c, 1, MsmOptions{false});
  EXPECT_NEAR(nr.transition.data[1], 9.0 / 60.0, 1e-12);
  for (int j = 0; j < 3; ++j) {
    double s = 0;
    for (int i = 0; i < 3; ++i) s += nr.stationary[i] * nr.transition.data[i * 3 + j];
    EXPECT_NEAR(s, nr.stationary[j], 1e-10);
  }
}

TEST(Msm, ImpliedTimescalesOfAKnownChainAtEveryLag) {
  const Eigen::MatrixXd t = four_state_chain();
  const std::vector<double> ev = true_eigenvalues(t);
  DiscreteTrajectories d;
  for (int k = 0; k < 4; ++k) d.push_back(sample_chain(t, 100000, 10 + k, k));
  // Stationary distribution of the chain: row sums of K, normalised.
  const double pi[4] = {0.312 / 0.976, 0.231 / 0.976, 0.277 / 0.976, 0.156 / 0.976};
  for (int64_t lag : {1, 2, 5, 10}) {
    ItsOptions o;
    o.bootstrap = 60;
    o.seed = 3;
    const ItsEstimate e = implied_timescales(d, 4, lag, o);
    ASSERT_EQ(e.timescales.size(), 3u);
    EXPECT_EQ(e.resampled, "blocks");
    EXPECT_EQ(e.bootstrap_samples, 60);
    for (int p = 0; p < 2; ++p) {  // the two slow processes are sampled well enough
      const double exact = -1 / std::log(std::abs(ev[p + 1]));
      EXPECT_NEAR(e.timescales[p], exact, 0.08 * exact) << "lag " << lag << " process " << p + 1;
      EXPECT_LE(e.lower[p], e.timescales[p]);
      EXPECT_GE(e.upper[p], e.timescales[p]);
      // The exact value is within the sampling error the bootstrap measures
      // (the 95 % interval widened by half its width: 20 blocks make a rough interval).
      const double w = e.upper[p] - e.lower[p];
      EXPECT_GT(w, 0.005 * exact);
      EXPECT_LT(w, 0.2 * exact);
      EXPECT_GE(exact, e.lower[p] - 0.5 * w) << "lag " << lag;
      EXPECT_LE(exact, e.upper[p] + 0.5 * w) << "lag " << lag;
    }
    for (int i = 0; i < 4; ++i) EXPECT_NEAR(e.msm.stationary[i], pi[i], 0.02);
  }
  // Whole trajectories are resampled when there are enough of them.
  DiscreteTrajectories many;
  for (int k = 0; k < 24; ++k) many.push_back(sample_chain(t, 5000, 100 + k, k % 4));
  ItsOptions o;
  o.bootstrap = 20;
  o.processes = 1;
  const ItsEstimate e = implied_timescales(many, 4, 1, o);
  EXPECT_EQ(e.resampled, "trajectories");
  EXPECT_NEAR(e.timescales[0], -1 / std::log(ev[1]), 0.15 * -1 / std::log(ev[1]));
}

TEST(Msm, LagLongerThanEveryTrajectoryIsAClearError) {
  const DiscreteTrajectories d = {{0, 1, 0}, {1, 0}};
  try {
    implied_timescales(d, 2, 3);
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("not shorter than any trajectory"), std::string::npos) << e.what();
  }
  EXPECT_THROW(estimate_msm(DiscreteTrajectories{{-1, -1, -1}}, 2, 1), DataError);
}

TEST(Msm, DoubleWellTimescalesConvergeToTheGenerators) {
  // 40 bins on [-2, 2] of the true coordinate.
  const std::vector<double> x = double_well_frames(400000, 7);
  const int64_t bins = 40;
  std::vector<int64_t> s;
  for (double v : x) s.push_back(std::clamp<int64_t>(static_cast<int64_t>(std::floor((v + 2) / 4 * bins)), 0, bins - 1));
  const double slowest = double_well_slowest_timescale();
  ASSERT_GT(slowest, 50);
  double previous = 0;
  for (int64_t lag : {1, 10, 50, 100}) {
    const ItsEstimate e = implied_timescales({s}, bins, lag);
    if (lag == 1) EXPECT_LT(e.timescales[0], slowest);  // a grid MSM underestimates at short lags ...
    EXPECT_GE(e.timescales[0], previous * 0.98);       // ... and grows with the lag ...
    previous = e.timescales[0];
    if (lag >= 50) EXPECT_NEAR(e.timescales[0], slowest, 0.08 * slowest) << "lag " << lag;  // ... to the generator's
  }
}

TEST(CkTest, PassesForAMarkovChainAndFailsForALumpedOne) {
  const Eigen::MatrixXd t = four_state_chain();
  const DiscreteTrajectories d = {sample_chain(t, 200000, 5)};
  CkOptions o;
  o.steps = 4;
  const CkResult r = ck_test(d, 4, 2, {}, o);
  EXPECT_EQ(r.sets, 4);
  EXPECT_EQ(r.multiples, (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_LT(r.max_deviation, 0.02);
  for (int a = 0; a < 4; ++a) {
    double row = 0;
    for (int b = 0; b < 4; ++b) row += r.at_predicted(3, a, b);
    EXPECT_NEAR(row, 1, 1e-9);
  }
  // k = 1: the prediction is the estimate itself.
  for (int a = 0; a < 4; ++a) {
    for (int b = 0; b < 4; ++b) EXPECT_NEAR(r.at_predicted(0, a, b), r.at_estimated(0, a, b), 1e-9);
  }
  // Two wells {0, 1} and {2, 3} with a slow barrier between 1 and 2, lumped
  // across it as {0, 2} vs {1, 3}: which well the chain is in is hidden
  // inside the lumped states, so they are not Markovian and the test must fail.
  Eigen::MatrixXd kw(4, 4);
  kw << 0.35, 0.05, 0.0, 0.0, 0.05, 0.049, 0.001, 0.0, 0.0, 0.001, 0.049, 0.05, 0.0, 0.0, 0.05, 0.35;
  Eigen::MatrixXd tw = kw;
  for (int i = 0; i < 4; ++i) tw.row(i) /= kw.row(i).sum();
  const DiscreteTrajectories dw = {sample_chain(tw, 400000, 6)};
  const CkResult exact = ck_test(dw, 4, 2, {}, o);
  DiscreteTrajectories lumped_states = dw;
  for (int64_t& x : lumped_states[0]) x = x % 2;
  const CkResult lumped = ck_test(lumped_states, 2, 2, {}, o);
  EXPECT_EQ(lumped.sets, 2);
  // Sets of the Markovian 4-state model pass: the model, not the sets, is tested.
  EXPECT_LT(ck_test(dw, 4, 2, {0, 1, 0, 1}, o).max_deviation, 0.02);
  EXPECT_LT(exact.max_deviation, 0.02);
  EXPECT_GT(lumped.max_deviation, 0.1);
  const DiscreteTrajectories d3 = {{0, 1, 2, 1, 0, 2, 2, 0}};
  EXPECT_THROW(ck_test(d3, 3, 1, {0, 0}, o), DataError);      // a label per state
  const CkResult gap = ck_test(d3, 3, 1, {0, 2, 0}, o);       // set 1 holds no state: left out
  EXPECT_EQ(gap.set_ids, (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(gap.sets, 2);
  EXPECT_THROW(ck_test(d3, 3, 1, {-1, -1, -1}, o), DataError);  // no set at all
}

TEST(Vamp, ExactEigenfunctionsScoreOnePlusTheirSquaredEigenvalues) {
  const Eigen::MatrixXd t = four_state_chain();
  const std::vector<int64_t> s = sample_chain(t, 400000, 21);
  // Right eigenvectors of T (processes 1..3) as features of each frame.
  Eigen::EigenSolver<Eigen::MatrixXd> es(t);
  std::vector<int> order = {0, 1, 2, 3};
  std::sort(order.begin(), order.end(), [&](int a, int b) { return es.eigenvalues()(a).real() > es.eigenvalues()(b).real(); });
  Array f = Array::zeros({static_cast<int64_t>(s.size()), 3});
  double expected = 1;
  for (int p = 1; p < 4; ++p) expected += std::pow(es.eigenvalues()(order[p]).real(), 2);
  for (size_t i = 0; i < s.size(); ++i) {
    for (int p = 1; p < 4; ++p) f.at(i, p - 1) = es.eigenvectors()(s[i], order[p]).real();
  }
  const VampModel m = fit_vamp({f}, 1);
  EXPECT_NEAR(m.score(), expected, 0.01);
  // One eigenfunction: 1 + lambda_1^2.
  Array f1 = Array::zeros({f.frames(), 1});
  for (int64_t i = 0; i < f.frames(); ++i) f1.data[i] = f.at(i, 0);
  EXPECT_NEAR(fit_vamp({f1}, 1).score(), 1 + std::pow(es.eigenvalues()(order[1]).real(), 2), 0.01);
  // Invariant to an invertible linear map of the features; the constant adds nothing.
  Array g = f;
  for (int64_t i = 0; i < f.frames(); ++i) {
    g.at(i, 0) = 1e2 * f.at(i, 0) + f.at(i, 1) + 7;
    g.at(i, 1) = f.at(i, 1) - 2 * f.at(i, 2);
    g.at(i, 2) = 1e-2 * f.at(i, 2);
  }
  EXPECT_NEAR(fit_vamp({g}, 1).score(), m.score(), 1e-8);
  // Cross-validated: the held-out score is close, and the rank truncation keeps the slowest.
  const auto [train, test] = split_trajectories({f}, 0.25);
  EXPECT_EQ(train[0].frames() + test[0].frames(), f.frames());
  EXPECT_NEAR(vamp2_score(fit_vamp(train, 1), test), expected, 0.03);
  VampOptions r1;
  r1.rank = 1;
  EXPECT_NEAR(fit_vamp({f}, 1, r1).score(), 1 + std::pow(es.eigenvalues()(order[1]).real(), 2), 0.01);
  // Constant features: only the constant function.
  EXPECT_NEAR(fit_vamp({Array({5, 1}, {2, 2, 2, 2, 2})}, 1).score(), 1, 1e-12);
  EXPECT_THROW(fit_vamp({Array({2, 1}, {1, 2})}, 1), DataError);    // one pair
  EXPECT_THROW(fit_vamp({f, f1}, 1), DataError);                   // feature counts differ
  EXPECT_THROW(fit_vamp({Array({3, 1}, {1, NAN, 2})}, 1), DataError);
}

TEST(Discretise, KmeansFindsSeparatedBlobsAndRegularSpaceKeepsItsDistance) {
  std::mt19937_64 rng(1);
  std::normal_distribution<double> normal;
  const double means[3][2] = {{0, 0}, {5, 0}, {0, 5}};
  std::vector<double> v;
  for (int i = 0; i < 3000; ++i) {
    v.push_back(means[i % 3][0] + 0.3 * normal(rng));
    v.push_back(means[i % 3][1] + 0.3 * normal(rng));
  }
  const Array z({3000, 2}, v);
  const Array c = kmeans_centers(z, 3, 4);
  ASSERT_EQ(c.frames(), 3);
  for (const auto& m : means) {
    double best = 1e9;
    for (int k = 0; k < 3; ++k) best = std::min(best, std::hypot(c.at(k, 0) - m[0], c.at(k, 1) - m[1]));
    EXPECT_LT(best, 0.05);
  }
  const std::vector<int64_t> label = assign_nearest(z, c);
  for (int i = 3; i < 3000; ++i) EXPECT_EQ(label[i], label[i % 3]);
  EXPECT_EQ(kmeans_centers(z, 3, 4).data, c.data);  // deterministic for a seed
  const Array r = regular_space_centers(z, 2.0);
  for (int64_t a = 0; a < r.frames(); ++a) {
    for (int64_t b = a + 1; b < r.frames(); ++b) EXPECT_GE(std::hypot(r.at(a, 0) - r.at(b, 0), r.at(a, 1) - r.at(b, 1)), 2.0);
  }
  EXPECT_THROW(regular_space_centers(z, 0.01, 10), DataError);
  EXPECT_THROW(kmeans_centers(Array({3, 1}, {1, 1, 1}), 2), DataError);
}

TEST(Kinetics, GivenStatesGiveTimescalesCkAndTheIndicatorsVampScore) {
  const Eigen::MatrixXd t = four_state_chain();
  const std::vector<double> ev = true_eigenvalues(t);
  KineticsInput in;
  in.states = {sample_chain(t, 150000, 31), sample_chain(t, 150000, 32, 3)};
  in.states[0][10] = -1;  // unassigned frames are skipped
  KineticsOptions o;
  o.lags = {5, 1, 2, 2, 1000000};  // sorted, duplicates dropped, the too-long lag left out with a note
  o.its.bootstrap = 10;
  o.ck_steps = 3;
  const KineticsResult r = analyse_kinetics(in, o);
  EXPECT_EQ(r.lags, (std::vector<int64_t>{1, 2, 5, 1000000}));
  ASSERT_EQ(r.sources.size(), 1u);
  const KineticsSource& s = r.sources[0];
  EXPECT_EQ(s.name, "states");
  ASSERT_EQ(s.its.size(), 3u);
  bool noted = false;
  for (const auto& n : s.notes) noted |= n.find("lag 1000000 frames: left out") != std::string::npos;
  EXPECT_TRUE(noted);
  for (const auto& e : s.its) {
    ASSERT_EQ(e.timescales.size(), 3u);
    const double exact = -1 / std::log(ev[1]);
    EXPECT_NEAR(e.timescales[0], exact, 0.08 * exact);
  }
  EXPECT_EQ(r.ck.lag, s.converged_lag);
  EXPECT_LT(r.ck.max_deviation, 0.03);
  // VAMP-2 of the state indicators: for a reversible chain the singular
  // values at lag tau are |lambda_i|^tau.
  ASSERT_EQ(r.vamp.size(), 1u);
  double expected = 1;
  for (int i = 1; i < 4; ++i) expected += std::pow(ev[i], 2 * r.vamp[0].lag);
  EXPECT_NEAR(r.vamp[0].score, expected, 0.02);
  EXPECT_NEAR(r.vamp[0].test_score, expected, 0.05);

  const std::string dir = test::scratch_dir("kinetics_states");
  write_kinetics(dir, r);
  const std::string its = test::read_file(dir + "/its.csv");
  EXPECT_EQ(std::count(its.begin(), its.end(), '\n'), 1 + 3 * 3);
  for (const char* f : {"its.csv", "ck.csv", "vamp2.csv"}) {
    const std::string text = test::read_file(dir + "/" + f);
    EXPECT_EQ(text.find("nan"), std::string::npos) << f;
    EXPECT_EQ(text.find("n/a"), std::string::npos) << f;
  }
  for (const char* f : {"msm_T_lag1.npy", "msm_active_lag5.npy", "stationary.npy", "kinetics.md", "its.png", "its.svg",
                        "ck.png", "ck.svg"}) {
    EXPECT_TRUE(test::file_exists(dir + "/" + f)) << f;
  }
}

TEST(Kinetics, LatentBasinsOfADoubleWellGiveTheGeneratorsTimescale) {
  const std::vector<double> x = double_well_frames(300000, 11);
  KineticsInput in;
  in.latents = {Array({static_cast<int64_t>(x.size()), 1}, x)};
  // The truth is the same coordinate seen through a monotone map: its basins
  // are the same two wells.
  std::vector<double> warped;
  for (double v : x) warped.push_back(v + 0.3 * v * v * v);
  in.truth = {Array({static_cast<int64_t>(x.size()), 1}, warped)};
  KineticsOptions o;
  o.lags = {10, 50, 100, 200};
  o.its.processes = 2;
  const KineticsResult r = analyse_kinetics(in, o);
  ASSERT_EQ(r.sources.size(), 2u);
  EXPECT_EQ(r.sources[0].states, 2);
  EXPECT_EQ(r.sources[1].states, 2);
  const double slowest = double_well_slowest_timescale();
  for (const auto& s : r.sources) {
    ASSERT_EQ(s.its.size(), 4u) << s.name;
    EXPECT_EQ(s.its[0].timescales.size(), 1u);  // two states: one process
    EXPECT_NEAR(s.its.back().timescales[0], slowest, 0.1 * slowest) << s.name;
    EXPECT_LT(s.its[0].timescales[0], s.its.back().timescales[0]);  // recrossings shorten it at short lags
  }
  EXPECT_GT(r.comparison_lag, 10);
  EXPECT_THROW(analyse_kinetics(KineticsInput{}, o), ConfigError);
  in.truth[0] = in.truth[0].slice_frames(0, 10);
  EXPECT_THROW(analyse_kinetics(in, o), DataError);
}

TEST(Kinetics, ConvergedLagIsWhereTheSlowestTimescaleStopsGrowing) {
  auto its = [](std::vector<std::pair<int64_t, double>> v) {
    std::vector<ItsEstimate> out;
    for (auto [lag, t] : v) {
      ItsEstimate e;
      e.lag = lag;
      e.timescales = {t};
      out.push_back(e);
    }
    return out;
  };
  EXPECT_EQ(converged_lag(its({{1, 50}, {2, 80}, {5, 100}, {10, 102}, {20, 101}})), 5);
  EXPECT_EQ(converged_lag(its({{1, 50}, {2, 80}, {5, 120}})), 5);   // never flat: the largest resolvable lag
  EXPECT_EQ(converged_lag(its({{10, 5}, {20, 6}})), 10);             // nothing resolvable: the first lag
  EXPECT_EQ(converged_lag(its({{1, 1.5}, {2, 1.52}, {5, 30}, {10, 31}})), 5);  // flat but below the next lag
}

// k-means skips frames whose bounds keep their label (Hamerly): the centres
// are those of Lloyd iterations that scan every centre for every frame, bit
// for bit, on data with exact ties (coarse values), overlapping blobs, d = 1,
// 2 and 5 and k from 1 to 50. The scan below is the iteration the function
// documents (means of the members; an empty cluster re-seeded at the frame
// farthest from its own centre; stop when no centre moves by more than the
// tolerance), with the same k-means++ seeding (max_iterations 0 gives it).
TEST(Discretise, KmeansBoundsGiveTheCentresOfFullScans) {
  std::mt19937 rng(5);
  std::normal_distribution<double> normal;
  std::uniform_int_distribution<int> coarse(-4, 4);
  for (int64_t d : {1, 2, 5}) {
    for (int64_t k : {1, 3, 17, 50}) {
      for (int shape = 0; shape < 2; ++shape) {
        if (shape == 1 && d == 1 && k > 9) continue;  // 9 distinct values
        const int64_t n = 3000;
        std::vector<double> zv;
        for (int64_t t = 0; t < n; ++t) {
          for (int64_t j = 0; j < d; ++j) zv.push_back(shape ? 0.5 * coarse(rng) : (t % 3) * 2.0 + normal(rng));
        }
        const Array z({n, d}, zv);
        Array c = kmeans_centers(z, k, 9, 0);  // the seeding alone
        double spread = 0;
        for (int64_t t = 0; t < n; ++t) {
          for (int64_t j = 0; j < d; ++j) spread += (z.at(t, j) - c.at(0, j)) * (z.at(t, j) - c.at(0, j));
        }
        const double tol = 1e-16 * std::max(spread / n, 1e-300);
        for (int it = 0; it < 100; ++it) {
          const std::vector<int64_t> label = assign_nearest(z, c);
          std::vector<double> sum(static_cast<size_t>(k * d), 0.0);
          std::vector<int64_t> members(static_cast<size_t>(k), 0);
          for (int64_t t = 0; t < n; ++t) {
            ++members[label[t]];
            for (int64_t j = 0; j < d; ++j) sum[label[t] * d + j] += z.at(t, j);
          }
          double moved = 0;
          for (int64_t a = 0; a < k; ++a) {
            if (members[a] == 0) {
              int64_t far = 0;
              double best = -1;
              for (int64_t t = 0; t < n; ++t) {
                double s2 = 0;
                for (int64_t j = 0; j < d; ++j) s2 += (z.at(t, j) - c.at(label[t], j)) * (z.at(t, j) - c.at(label[t], j));
                if (s2 > best) best = s2, far = t;
              }
              for (int64_t j = 0; j < d; ++j) c.at(a, j) = z.at(far, j);
              moved = std::numeric_limits<double>::infinity();
              continue;
            }
            double m = 0;
            for (int64_t j = 0; j < d; ++j) {
              const double v = sum[a * d + j] / members[a];
              m += (v - c.at(a, j)) * (v - c.at(a, j));
              c.at(a, j) = v;
            }
            moved = std::max(moved, m);
          }
          if (moved <= tol) break;
        }
        EXPECT_EQ(kmeans_centers(z, k, 9).data, c.data) << "d " << d << ", k " << k << ", shape " << shape;
      }
    }
  }
}

// The nearest-centre labels are those of a scan over the centres with a
// strict comparison (the first of equally near centres wins; a NaN distance
// never does; no finite distance gives centre 0), for d = 1, 2 and 5 and
// centre counts that do and do not fill the four lanes of the minimum.
TEST(Discretise, NearestCentreIsTheFirstNearestOfAScan) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> coarse(-3, 3);  // few values: many exact ties
  for (int64_t d : {1, 2, 5}) {
    for (int64_t k : {1, 3, 4, 50}) {
      std::vector<double> zv, cv;
      for (int64_t i = 0; i < 400 * d; ++i) zv.push_back(0.5 * coarse(rng));
      for (int64_t i = 0; i < k * d; ++i) cv.push_back(0.5 * coarse(rng));
      if (k > 2) cv[static_cast<size_t>(d)] = std::nan("");  // centre 1 unreachable
      zv[0] = std::numeric_limits<double>::infinity();        // frame 0: no finite distance
      const Array z({400, d}, zv), c({k, d}, cv);
      const std::vector<int64_t> label = assign_nearest(z, c);
      for (int64_t t = 0; t < 400; ++t) {
        double best = std::numeric_limits<double>::infinity();
        int64_t arg = 0;
        for (int64_t a = 0; a < k; ++a) {
          double s = 0;
          for (int64_t j = 0; j < d; ++j) s += (z.at(t, j) - c.at(a, j)) * (z.at(t, j) - c.at(a, j));
          if (s < best) {
            best = s;
            arg = a;
          }
        }
        ASSERT_EQ(label[static_cast<size_t>(t)], arg) << "d " << d << ", k " << k << ", frame " << t;
      }
    }
  }
}
