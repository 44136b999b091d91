#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <limits>
#include <map>
#include <random>
#include <set>

#include "dynae/errors.h"
#include "training/resampling.h"
#include "util/random_permutation.h"

using namespace dynae;

namespace {

// Fixed latents per pair: the encoder of these tests.
struct FixedLatents {
  std::vector<float> z;  // (pairs, d)
  int64_t d;
  int64_t calls = 0;
  EncodePairs encoder() {
    return [this](const int64_t* pairs, int64_t n, float* out) {
      ++calls;
      EXPECT_LE(n, 512);
      for (int64_t i = 0; i < n; ++i) std::copy_n(z.data() + pairs[i] * d, d, out + i * d);
    };
  }
};

// One trajectory of n pairs (lag 1) whose pairs sit on far-apart points, cluster k
// holding counts[k] of them in a shuffled order.
FixedLatents clustered(const std::vector<int64_t>& counts, uint64_t seed, std::vector<int>& truth) {
  truth.clear();
  for (size_t k = 0; k < counts.size(); ++k) truth.insert(truth.end(), static_cast<size_t>(counts[k]), static_cast<int>(k));
  std::mt19937_64 g(seed);
  std::shuffle(truth.begin(), truth.end(), g);
  FixedLatents f{{}, 2};
  for (int k : truth) {
    f.z.push_back(100.0f * static_cast<float>(k));
    f.z.push_back(static_cast<float>(k % 3));
  }
  return f;
}

ResamplingOptions options(double d_min, int64_t batch, double bias = 2.0) {
  ResamplingOptions o;
  o.d_min = d_min;
  o.batch_size = batch;
  o.bias_factor = bias;
  return o;
}

// How often each pair is drawn in the set's batches; checks every batch is one cluster's.
std::map<int64_t, int64_t> drawn(const Resampler& r, PairSet s, int64_t batch) {
  std::map<int64_t, int64_t> times;
  std::vector<int64_t> b(static_cast<size_t>(batch));
  for (int64_t i = 0; i < r.batches(s); ++i) {
    r.batch(s, i, b.data());
    for (int64_t q : b) {
      EXPECT_EQ(r.label(q), r.label(b[0])) << "a batch mixes clusters";
      times[q] += 1;
    }
  }
  return times;
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

TEST(Resampling, DrawsFollowTheFormula) {
  const std::vector<int64_t> counts = {600, 300, 95, 5};  // N = 1000, B = 10: S = 460, 330, 190, 50
  const auto d = well_tempered_draws(counts, well_tempered_weights(std::vector<double>(counts.begin(), counts.end()), 2.0), 10);
  EXPECT_EQ(d[0].target, 460);
  EXPECT_EQ(d[1].target, 330);
  EXPECT_EQ(d[2].target, 190);
  EXPECT_EQ(d[3].target, 50);
  EXPECT_EQ(d[0].repeats * d[0].length, 460);  // n > S: S drawn without replacement
  EXPECT_EQ(d[0].repeats, 1);
  EXPECT_EQ(d[1].repeats, 1);                  // B < n < S: floor(330 / 300) permutations of 300
  EXPECT_EQ(d[1].length, 300);
  EXPECT_EQ(d[2].repeats, 2);                  // floor(190 / 95) permutations cut to 90
  EXPECT_EQ(d[2].length, 90);
  EXPECT_EQ(d[3].repeats, 0);                  // n <= B: left out
}

TEST(Resampling, BatchesDrawTheFormulasPairs) {
  std::vector<int> truth;
  FixedLatents f = clustered({600, 300, 95, 5}, 1, truth);
  const PairIndex pairs({1001}, 1, 0.0, 1);
  Resampler r(pairs, 2, options(10.0, 10));
  r.resample(f.encoder(), 42);
  ASSERT_EQ(r.clusters(), 4);
  // The labels are the clusters (numbered in the order found).
  std::map<int, int> to_truth;
  for (int64_t q = 0; q < 1000; ++q) {
    const auto [it, fresh] = to_truth.emplace(r.label(q), truth[q]);
    EXPECT_EQ(it->second, truth[q]);
  }
  std::map<int, int64_t> per_cluster;
  const auto times = drawn(r, PairSet::train, 10);
  for (const auto& [q, t] : times) {
    per_cluster[truth[q]] += t;
    if (truth[q] == 0) EXPECT_EQ(t, 1) << "drawn twice without replacement";
    if (truth[q] == 1) EXPECT_EQ(t, 1) << "one permutation: each pair once";
    if (truth[q] == 2) EXPECT_LE(t, 2);
  }
  EXPECT_EQ(per_cluster[0], 460);
  EXPECT_EQ(per_cluster[1], 300);
  EXPECT_EQ(per_cluster[2], 180);
  EXPECT_EQ(per_cluster[3], 0);
  EXPECT_EQ(r.batches(PairSet::train), 94);
  EXPECT_EQ(r.batches(PairSet::test), 0);
  // Another seed: another selection of cluster 0, another batch order.
  std::vector<int64_t> a(10), b(10);
  r.batch(PairSet::train, 0, a.data());
  r.resample(f.encoder(), 43);
  r.batch(PairSet::train, 0, b.data());
  EXPECT_NE(a, b);
}

TEST(Resampling, TestPairsAreDrawnFromTheTestSet) {
  std::vector<int> truth;
  FixedLatents f = clustered({3000, 1000}, 2, truth);
  const PairIndex pairs({4001}, 1, 0.25, 3);
  Resampler r(pairs, 2, options(10.0, 50));
  r.resample(f.encoder(), 7);
  EXPECT_EQ(r.counts(PairSet::train)[0] + r.counts(PairSet::train)[1], 3000);
  EXPECT_EQ(r.counts(PairSet::test)[0] + r.counts(PairSet::test)[1], 1000);
  for (PairSet s : {PairSet::train, PairSet::test}) {
    ASSERT_GT(r.batches(s), 0);
    for (const auto& [q, t] : drawn(r, s, 50)) EXPECT_TRUE(pairs.in(s, q)) << q;
  }
}

TEST(Resampling, BiasFactorOneKeepsProportions) {
  std::vector<int> truth;
  FixedLatents f = clustered({8000, 2000}, 3, truth);
  const PairIndex pairs({10001}, 1, 0.0, 1);
  Resampler one(pairs, 2, options(10.0, 100, 1.0));
  one.resample(f.encoder(), 1);
  std::map<int, int64_t> got;
  for (const auto& [q, t] : drawn(one, PairSet::train, 100)) got[truth[q]] += t;
  // S = 8100 and 2100 exceed n: each cluster is taken whole, once: 80 % / 20 % kept.
  EXPECT_EQ(got[0], 8000);
  EXPECT_EQ(got[1], 2000);
  // A large bias factor flattens the populations towards uniform: S = 5100 of
  // 8000 drawn; 2 x 2000 of the small cluster.
  Resampler flat(pairs, 2, options(10.0, 100, 50.0));
  flat.resample(f.encoder(), 1);
  got.clear();
  for (const auto& [q, t] : drawn(flat, PairSet::train, 100)) got[truth[q]] += t;
  EXPECT_EQ(got[0], 5100);
  EXPECT_EQ(got[1], 4000);
}

TEST(Resampling, TooFewSamplesPerBinIsAnError) {
  std::vector<int> truth;
  FixedLatents f = clustered(std::vector<int64_t>(20, 50), 4, truth);  // every cluster smaller than a batch
  const PairIndex pairs({1001}, 1, 0.0, 1);
  Resampler r(pairs, 2, options(10.0, 64));
  try {
    r.resample(f.encoder(), 1);
    FAIL() << "no error";
  } catch (const TrainingError& e) {
    EXPECT_NE(std::string(e.what()).find("too few samples per bin"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("increase d_min"), std::string::npos) << e.what();
  }
}

// Centres cover and separate, and every label is the nearest centre (the first
// of equal distances), whichever group found it: i.i.d. points make most
// centres appear after groups were labelled (the relabelling); a random walk
// makes most groups' boxes too far from later centres (the pruning).
TEST(Resampling, CentresCoverSeparateAndLabelsAreNearest) {
  for (int walk = 0; walk < 2; ++walk) {
    const int64_t n = 20000;
    std::mt19937_64 g(5 + walk);
    std::uniform_real_distribution<float> u(0.0f, 10.0f);
    std::normal_distribution<float> step(0.0f, 0.05f);
    FixedLatents f{{}, 2};
    float x = 5, y = 5;
    for (int64_t i = 0; i < n; ++i) {
      if (walk) {
        x = std::clamp(x + step(g), 0.0f, 10.0f);
        y = std::clamp(y + step(g), 0.0f, 10.0f);
      } else {
        x = u(g);
        y = u(g);
      }
      f.z.push_back(x);
      f.z.push_back(y);
    }
    const PairIndex pairs({n + 1}, 1, 0.3, 9);
    const double dmin = 1.5;
    // Relabelled from the kept latents (all of them here), or by encoding
    // again (none kept): the same labels.
    ResamplingOptions uncached = options(dmin, 16);
    uncached.cached_latents = 0;
    Resampler r(pairs, 2, options(dmin, 16)), r2(pairs, 2, uncached);
    r.resample(f.encoder(), 11);
    const int64_t calls = f.calls;
    r2.resample(f.encoder(), 11);
    EXPECT_GT(f.calls - calls, calls) << "no group was encoded again";
    ASSERT_EQ(r2.centers(), r.centers());
    for (int64_t q = 0; q < n; ++q) ASSERT_EQ(r2.label(q), r.label(q));
    const int64_t k = r.clusters();
    ASSERT_GT(k, 5);
    const std::vector<double>& c = r.centers();
    for (int64_t a = 0; a < k; ++a) {
      for (int64_t b = a + 1; b < k; ++b) {
        EXPECT_GT(std::hypot(c[2 * a] - c[2 * b], c[2 * a + 1] - c[2 * b + 1]), dmin);
      }
    }
    int64_t mislabelled = 0;
    for (int64_t q = 0; q < n; ++q) {
      double best = std::numeric_limits<double>::infinity();
      int arg = 0;
      for (int64_t j = 0; j < k; ++j) {
        const double dx = static_cast<double>(f.z[2 * q]) - c[2 * j], dy = static_cast<double>(f.z[2 * q + 1]) - c[2 * j + 1];
        if (dx * dx + dy * dy < best) {
          best = dx * dx + dy * dy;
          arg = static_cast<int>(j);
        }
      }
      if (!pairs.is_test(q)) EXPECT_LE(std::sqrt(best), dmin) << "a training point farther than d_min from every centre";
      mislabelled += r.label(q) != arg;
    }
    EXPECT_EQ(mislabelled, 0) << (walk ? "random walk" : "i.i.d. points");
    // The clustering alone finds the same centres from the same seed's pass.
    Resampler again(pairs, 2, options(dmin, 16));
    again.resample(f.encoder(), 11);
    EXPECT_EQ(again.centers(), c);
  }
}

namespace {

/// N ranks as threads of one process: an allgather through shared memory
/// (every rank's part copied once all have arrived; a second barrier before
/// any rank may reuse its buffers).
class ThreadRanks {
 public:
  explicit ThreadRanks(int64_t n) : n_(n), parts_(static_cast<size_t>(n)) {}
  void gather(int64_t rank, const void* mine, void* all, int64_t bytes) {
    parts_[static_cast<size_t>(rank)] = mine;
    wait();
    for (int64_t r = 0; r < n_; ++r) std::memcpy(static_cast<char*>(all) + r * bytes, parts_[static_cast<size_t>(r)], static_cast<size_t>(bytes));
    wait();
  }

 private:
  void wait() {
    std::unique_lock<std::mutex> lock(m_);
    const int64_t gen = generation_;
    if (++arrived_ == n_) {
      arrived_ = 0;
      ++generation_;
      cv_.notify_all();
      return;
    }
    cv_.wait(lock, [&] { return generation_ != gen; });
  }
  int64_t n_, arrived_ = 0, generation_ = 0;
  std::vector<const void*> parts_;
  std::mutex m_;
  std::condition_variable cv_;
};

}  // namespace

TEST(Resampling, RanksSharingTheWorkFindWhatOneProcessFinds) {
  // 100001 pairs: 196 groups of 512, several gathers of 64 groups; a random
  // walk, so the centres appear throughout the pass. Ranks as threads.
  const int64_t n = 100000;
  std::mt19937_64 g(3);
  std::normal_distribution<float> step(0.0f, 0.05f);
  FixedLatents f{{}, 2};
  float x = 5, y = 5;
  for (int64_t i = 0; i < n; ++i) {
    x = std::clamp(x + step(g), 0.0f, 10.0f);
    y = std::clamp(y + step(g), 0.0f, 10.0f);
    f.z.push_back(x);
    f.z.push_back(y);
  }
  const PairIndex pairs({n + 1}, 1, 0.3, 9);
  Resampler one(pairs, 2, options(1.0, 64));
  one.resample(f.encoder(), 21);
  const int64_t serial_calls = f.calls;
  ASSERT_GT(one.clusters(), 10);
  for (int64_t N : {2, 3}) {
    SCOPED_TRACE("ranks " + std::to_string(N));
    ThreadRanks ranks(N);
    std::vector<std::unique_ptr<Resampler>> r;
    std::vector<FixedLatents> encoders(static_cast<size_t>(N), FixedLatents{f.z, 2});
    for (int64_t k = 0; k < N; ++k) {
      r.push_back(std::make_unique<Resampler>(pairs, 2, options(1.0, 64)));
      r.back()->share_with_ranks({k, N, [&ranks, k](const void* mine, void* all, int64_t bytes) { ranks.gather(k, mine, all, bytes); }});
    }
    std::vector<std::thread> threads;
    for (int64_t k = 0; k < N; ++k) threads.emplace_back([&, k] { r[k]->resample(encoders[k].encoder(), 21); });
    for (auto& t : threads) t.join();
    for (int64_t k = 0; k < N; ++k) {
      EXPECT_EQ(r[k]->centers(), one.centers()) << "rank " << k;
      int64_t differ = 0;
      for (int64_t q = 0; q < n; ++q) differ += r[k]->label(q) != one.label(q);
      EXPECT_EQ(differ, 0) << "rank " << k;
      for (PairSet s : {PairSet::train, PairSet::test}) {
        ASSERT_EQ(r[k]->batches(s), one.batches(s));
        std::vector<int64_t> a(64), b(64);
        for (int64_t i = 0; i < one.batches(s); i += 7) {
          one.batch(s, i, a.data());
          r[k]->batch(s, i, b.data());
          ASSERT_EQ(a, b) << "batch " << i;
        }
      }
      // Each rank encoded its share of the groups, not all of them.
      EXPECT_LE(encoders[k].calls, serial_calls / N + 2) << "rank " << k;
    }
  }
}

TEST(Resampling, DminErrors) {
  FixedLatents f{{}, 2};
  std::mt19937_64 g(5);
  std::uniform_real_distribution<float> u(0.0f, 100.0f);
  for (int i = 0; i < 10000; ++i) f.z.push_back(u(g));
  const PairIndex pairs({5001}, 1, 0.0, 1);
  try {
    Resampler(pairs, 2, options(0.5, 16)).cluster(f.encoder(), 1);
    FAIL() << "no error";
  } catch (const TrainingError& e) {
    EXPECT_NE(std::string(e.what()).find("more than 200 cluster centres"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("increase d_min"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Resampler(pairs, 2, options(0.0, 16)), ConfigError);
  EXPECT_THROW(Resampler(pairs, 2, options(-1.0, 16)), ConfigError);
  ResamplingOptions many = options(1.0, 16);
  many.max_centers = 256;  // labels are bytes
  EXPECT_THROW(Resampler(pairs, 2, many), ConfigError);
  Resampler wide(pairs, 2, options(1000.0, 16));
  wide.cluster(f.encoder(), 1);
  EXPECT_EQ(wide.clusters(), 1);
}

TEST(RandomPermutation, IsABijectionThatDependsOnTheKey) {
  for (uint64_t n : {1ull, 2ull, 3ull, 5ull, 64ull, 1000ull, 65537ull}) {
    const RandomPermutation p(n, 99);
    std::vector<char> hit(n, 0);
    for (uint64_t i = 0; i < n; ++i) {
      const uint64_t v = p(i);
      ASSERT_LT(v, n);
      EXPECT_FALSE(hit[v]) << "n = " << n << ": " << v << " twice";
      hit[v] = 1;
    }
  }
  // Different keys, different orders; and no visible trend: the correlation
  // of position and value is near zero (|r| < 0.03 for n = 10000).
  const uint64_t n = 10000;
  const RandomPermutation a(n, 1), b(n, 2);
  int64_t same = 0;
  double sxy = 0, mean = (n - 1) / 2.0, var = 0;
  for (uint64_t i = 0; i < n; ++i) {
    same += a(i) == b(i);
    sxy += (static_cast<double>(i) - mean) * (static_cast<double>(a(i)) - mean);
    var += (static_cast<double>(i) - mean) * (static_cast<double>(i) - mean);
  }
  EXPECT_LT(same, 10);
  EXPECT_LT(std::abs(sxy / var), 0.03);
  EXPECT_THROW(RandomPermutation(0, 1), std::invalid_argument);
}

// Past one superblock of the rank tables (65536 pairs): with bias factor 1 and
// cluster sizes that are multiples of the batch, every pair is drawn exactly once.
TEST(Resampling, LookupsAcrossSuperblocksDrawEveryPairOnce) {
  std::vector<int> truth;
  FixedLatents f = clustered({100000, 50000}, 6, truth);
  const PairIndex pairs({150001}, 1, 0.0, 1);
  Resampler r(pairs, 2, options(10.0, 100, 1.0));
  r.resample(f.encoder(), 3);
  const auto times = drawn(r, PairSet::train, 100);
  ASSERT_EQ(times.size(), 150000u);
  for (const auto& [q, t] : times) ASSERT_EQ(t, 1) << q;
}
