#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "dynae/data/lagged_pairs.h"
#include "dynae/data/npy.h"
#include "dynae/data/trajectory_set.h"
#include "dynae/errors.h"
#include "dynae/training/progress.h"
#include "data/frame_rows.h"
#include "test_util.h"

using namespace dynae;

TEST(LaggedPairs, NeverCrossTrajectories) {
  const LaggedPairs p = make_lagged_pairs({5, 3}, 2);
  // Trajectory 0 (frames 0-4): (0,2) (1,3) (2,4); trajectory 1 (frames 5-7): (5,7).
  EXPECT_EQ(p.first, (std::vector<int64_t>{0, 1, 2, 5}));
  EXPECT_EQ(p.second, (std::vector<int64_t>{2, 3, 4, 7}));
}

TEST(LaggedPairs, RejectsBadLagAndShortTrajectories) {
  EXPECT_THROW(make_lagged_pairs({10}, 0), ConfigError);
  try {
    make_lagged_pairs({10, 3}, 3);
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("trajectory 1 has 3 frames"), std::string::npos) << e.what();
  }
}

TEST(SplitPairs, SeededDisjointEightyTwenty) {
  const std::vector<int64_t> lengths = {1001, 501};
  const PairSplit a = split_pairs(lengths, 1, 0.2, 7);
  const PairSplit b = split_pairs(lengths, 1, 0.2, 7);
  const PairSplit c = split_pairs(lengths, 1, 0.2, 8);
  EXPECT_EQ(a.train.first, b.train.first);
  EXPECT_EQ(a.test.first, b.test.first);
  EXPECT_NE(a.train.first, c.train.first);
  EXPECT_EQ(a.train.size(), 800u + 400u);
  EXPECT_EQ(a.test.size(), 200u + 100u);
  std::set<int64_t> seen;
  for (size_t i = 0; i < a.train.size(); ++i) {
    EXPECT_EQ(a.train.second[i], a.train.first[i] + 1);
    seen.insert(a.train.first[i]);
  }
  for (size_t i = 0; i < a.test.size(); ++i) {
    EXPECT_EQ(a.test.second[i], a.test.first[i] + 1);
    EXPECT_TRUE(seen.insert(a.test.first[i]).second) << "pair in both train and test";
  }
  EXPECT_EQ(seen.size(), 1500u);   // every pair exactly once
  EXPECT_EQ(seen.count(1000), 0u); // no pair from the last frame of trajectory 0 into trajectory 1
  EXPECT_THROW(split_pairs(lengths, 0, 0.2, 7), ConfigError);
  EXPECT_THROW(split_pairs({1001, 1}, 1, 0.2, 7), DataError);
  EXPECT_THROW(split_pairs(lengths, 1, 1.0, 7), ConfigError);
}

TEST(PairIndex, ExactTestCountsLookupsAndFrames) {
  const std::vector<int64_t> lengths = {1003, 3, 700};  // lag 3: 1000, 0 -> error; use 4 below
  EXPECT_THROW(PairIndex(lengths, 3, 0.25, 1), DataError);
  const PairIndex p({1003, 4, 700}, 3, 0.25, 11);
  ASSERT_EQ(p.size(), 1000 + 1 + 697);
  // floor(n * 0.25) per trajectory: 250 + 0 + 174.
  EXPECT_EQ(p.count(PairSet::test), 250 + 0 + 174);
  EXPECT_EQ(p.count(PairSet::train), p.size() - 424);
  int64_t first_test = 0;
  for (int64_t q = 0; q < 1000; ++q) first_test += p.is_test(q);
  EXPECT_EQ(first_test, 250);
  EXPECT_FALSE(p.is_test(1000));  // the one pair of trajectory 1
  // first_frame skips each trajectory's last lag frames: pair 1000 is frame 1003.
  EXPECT_EQ(p.first_frame(0), 0);
  EXPECT_EQ(p.first_frame(999), 999);
  EXPECT_EQ(p.first_frame(1000), 1003);
  EXPECT_EQ(p.first_frame(1001), 1003 + 4);
  EXPECT_EQ(p.first_frame(p.size() - 1), 1003 + 4 + 696);
  // nth lists each set in pair order; member_word agrees with is_test.
  int64_t seen[2] = {0, 0};
  for (int64_t q = 0; q < p.size(); ++q) {
    const PairSet s = p.is_test(q) ? PairSet::test : PairSet::train;
    EXPECT_EQ(p.nth(s, seen[p.is_test(q)]++), q);
    EXPECT_EQ((p.member_word(s, q / 64) >> (q % 64)) & 1, 1u);
    EXPECT_TRUE(p.in(s, q));
  }
  EXPECT_EQ(p.member_word(PairSet::train, (p.size() - 1) / 64) >> ((p.size() - 1) % 64), 1u);  // no bits past the end
  // Seeded: the same seed gives the same split, another seed another; split_pairs agrees.
  const PairIndex same({1003, 4, 700}, 3, 0.25, 11), other({1003, 4, 700}, 3, 0.25, 12);
  int64_t differ = 0;
  for (int64_t q = 0; q < p.size(); ++q) {
    EXPECT_EQ(same.is_test(q), p.is_test(q));
    differ += other.is_test(q) != p.is_test(q);
  }
  EXPECT_GT(differ, 100);
  const PairSplit listed = split_pairs({1003, 4, 700}, 3, 0.25, 11);
  ASSERT_EQ(static_cast<int64_t>(listed.test.size()), p.count(PairSet::test));
  for (size_t i = 0; i < listed.test.size(); ++i) EXPECT_EQ(listed.test.first[i], p.first_frame(p.nth(PairSet::test, i)));
  // No test pairs at fraction 0.
  EXPECT_EQ(PairIndex({50}, 1, 0.0, 1).count(PairSet::test), 0);
}

TEST(FrameRows, GathersAcrossTrajectoriesAsFloat) {
  TrajectorySet s;
  s.add("a", Array({3, 2}, {0, 1, 2, 3, 4, 5}), Array({3, 1}, {10, 11, 12}));
  s.add("b", Array({2, 2}, {6, 7, 8.25, 9}), Array({2, 1}, {-1, -2}));
  const FrameRows x(s, false), y(s, true);
  EXPECT_EQ(x.frames(), 5);
  EXPECT_EQ(x.width(), 2);
  const int64_t frames[] = {3, 0, 1};
  std::vector<float> out(6);
  x.gather(frames, 3, 1, out.data());  // frames 4, 1, 2
  EXPECT_EQ(out, (std::vector<float>{8.25f, 9, 2, 3, 4, 5}));
  EXPECT_EQ(y.width(), 1);
  EXPECT_EQ(y.row(4)[0], -2.0);
  EXPECT_EQ(y.row(2)[0], 12.0);
  EXPECT_FALSE(x.same_as(y));
  TrajectorySet auto_enc;
  auto_enc.add("c", Array({2, 1}, {1, 2}));
  EXPECT_TRUE(FrameRows(auto_enc, false).same_as(FrameRows(auto_enc, true)));
}

TEST(TrajectorySet, NaNErrorNamesTheFrame) {
  Array x({4, 2}, {0, 1, 2, 3, 4, NAN, 6, 7});
  TrajectorySet s;
  try {
    s.add("traj.npy", x);
    FAIL() << "no error";
  } catch (const DataError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("traj.npy"), std::string::npos) << m;
    EXPECT_NE(m.find("NaN value at frame 2"), std::string::npos) << m;
  }
  Array y({2, 1}, {1, INFINITY});
  EXPECT_THROW(s.add("inf.npy", y), DataError);
}

TEST(TrajectorySet, ShapeMismatchesAreErrors) {
  TrajectorySet s;
  EXPECT_THROW(s.add("a", Array({3, 2}, std::vector<double>(6)), Array({4, 2}, std::vector<double>(8))), DataError);
  s.add("a", Array({3, 2}, std::vector<double>(6)));
  EXPECT_THROW(s.add("b", Array({3, 3}, std::vector<double>(9))), DataError);
  EXPECT_THROW(s.add("c", Array({3}, std::vector<double>(3))), DataError);
  s.add("d", Array({5, 2}, std::vector<double>(10)));
  EXPECT_EQ(s.total_frames(), 8);
  EXPECT_EQ(s.lengths(), (std::vector<int64_t>{3, 5}));
}

TEST(TrajectorySet, AnAutoencodersTargetIsItsInputHeldOnce) {
  TrajectorySet s;
  s.add("a", Array({3, 2}, {1, 2, 3, 4, 5, 6}));
  const Trajectory& t = s.trajectories()[0];
  EXPECT_EQ(&t.target(), &t.input);  // the same frames, not a copy
  EXPECT_TRUE(t.own_target.data.empty());
  EXPECT_EQ(s.target_frame_shape(), (std::vector<int64_t>{2}));
  // A trajectory with its own target keeps it, and a later autoencoder
  // trajectory must match that target's frame shape.
  TrajectorySet m;
  m.add("x", Array({3, 2}, {1, 2, 3, 4, 5, 6}), Array({3, 1}, {7, 8, 9}));
  EXPECT_EQ(m.trajectories()[0].target().data, (std::vector<double>{7, 8, 9}));
  EXPECT_THROW(m.add("y", Array({3, 2}, {1, 2, 3, 4, 5, 6})), DataError);
}

TEST(TrajectorySet, LoadsFilesWithTargetsAndChecksLengths) {
  const std::string dir = test::scratch_dir("trajs");
  write_npy(dir + "/x.npy", Array({4, 2}, {0, 1, 2, 3, 4, 5, 6, 7}));
  write_npy(dir + "/y.npy", Array({4, 1}, {9, 8, 7, 6}));
  write_npy(dir + "/short.npy", Array({3, 1}, {9, 8, 7}));
  const TrajectorySet s = load_trajectories({dir + "/x.npy"}, {dir + "/y.npy"});
  EXPECT_EQ(s.target_frame_shape(), (std::vector<int64_t>{1}));
  EXPECT_EQ(s.trajectories()[0].target().data[0], 9);
  try {
    load_trajectories({dir + "/x.npy"}, {dir + "/short.npy"});
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("short.npy"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_trajectories({dir + "/x.npy"}, {dir + "/y.npy", dir + "/y.npy"}), ConfigError);
}

TEST(ArrayConcat, FramesOneAfterAnotherAndShapesChecked) {
  const Array a({2, 2}, {1, 2, 3, 4}), b({1, 2}, {5, 6});
  const Array c = Array::concat_frames({a, b});
  EXPECT_EQ(c.shape, (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(c.data, (std::vector<double>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(Array::concat_frames({}).size(), 0);
  EXPECT_THROW(Array::concat_frames({a, Array({1, 3}, {0, 0, 0})}), DataError);
}

TEST(LossCsv, ReadsBackWhatWasWritten) {
  std::vector<EpochReport> h(2);
  h[1].epoch = 1;
  h[1].seconds = 0.25;
  h[1].beta = 10;
  h[1].clusters = 3;
  h[1].train = {1.5, 0.5, 0.1, -2.25, 7};
  h[1].test = {1.75, 0.625, 0.1125, -2.5, 3};
  const std::string dir = test::scratch_dir("loss_csv");
  test::write_file(dir + "/losses.csv", loss_csv(h));
  const std::vector<EpochReport> back = read_loss_csv(dir + "/losses.csv");
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].epoch, 1);
  EXPECT_EQ(back[1].clusters, 3);
  EXPECT_DOUBLE_EQ(back[1].seconds, 0.25);
  EXPECT_DOUBLE_EQ(back[1].train.prior, -2.25);
  EXPECT_DOUBLE_EQ(back[1].test.regularization, 0.1125);
  EXPECT_TRUE(read_loss_csv(dir + "/missing.csv").empty());
}
