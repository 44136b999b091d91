// dynae's own small-matrix kernels (cpu/small_gemm.h) for every instruction
// set this CPU runs, the thread team (cpu/thread_team.h), and the fused
// path's promise that the number of threads does not change a bit.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <sched.h>
#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include "cpu/small_gemm.h"
#include "cpu/sort_words.h"
#include "cpu/thread_team.h"
#include "cpu/vector_math.h"
#include "dynae/data/npy.h"
#include "dynae/models/model.h"
#include "dynae/runtime.h"
#include "dynae/training/estimator.h"
#include "losses/sliced_wasserstein_kernel.h"
#include "nn/fused_mlp.h"
#include "model_compare.h"

using namespace dynae;

namespace {

std::vector<KernelIsa> supported_isas() {
  std::vector<KernelIsa> out;
  for (KernelIsa isa : {KernelIsa::Baseline, KernelIsa::Avx2, KernelIsa::Avx512}) {
    if (kernel_isa_supported(isa)) out.push_back(isa);
  }
  return out;
}

/// Restores the kernels chosen before the test.
struct IsaGuard {
  KernelIsa saved = kernel_isa();
  ~IsaGuard() { set_kernel_isa(saved); }
};

/// The first `frames` frames of the bundled three-state data, and a set holding them.
std::pair<Array, TrajectorySet> bundled_subset(int64_t frames) {
  const Array x = read_npy(std::string(DYNAE_EXAMPLES_DIR) + "/data/three_state_transformed_traj_data200k.npy")
                      .slice_frames(0, frames);
  TrajectorySet data;
  data.add("subset", x);
  return {x, std::move(data)};
}

std::vector<float> random_floats(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  return v;
}

}  // namespace

TEST(SmallGemm, EveryKernelMatchesADoubleReferenceOnAllShapes) {
  IsaGuard guard;
  const auto isas = supported_isas();
  ASSERT_FALSE(isas.empty());
  EXPECT_EQ(isas.front(), KernelIsa::Baseline);  // the baseline runs everywhere
  for (KernelIsa isa : isas) {
    set_kernel_isa(isa);
    ASSERT_EQ(kernel_isa(), isa);
    for (bool trans : {false, true}) {
      for (int64_t M : {1, 5, 8, 13, 64, 129}) {
        for (int64_t N : {1, 3, 8, 16, 17, 32, 33, 70}) {
          for (int64_t K : {1, 2, 32, 100}) {
            for (bool acc : {false, true}) {
              // Row strides larger than the rows, to catch reads and writes outside
              const int64_t lda = (trans ? M : K) + 3, ldb = N + 2, ldc = N + 5;
              const std::vector<float> A = random_floats(static_cast<size_t>((trans ? K : M) * lda), 1);
              const std::vector<float> B = random_floats(static_cast<size_t>(K * ldb), 2);
              std::vector<float> C = random_floats(static_cast<size_t>(M * ldc), 3);
              const std::vector<float> C0 = C;
              if (trans) {
                gemm_tn(M, N, K, A.data(), lda, B.data(), ldb, C.data(), ldc, acc);
              } else {
                gemm_nn(M, N, K, A.data(), lda, B.data(), ldb, C.data(), ldc, acc);
              }
              double worst = 0;
              for (int64_t i = 0; i < M; ++i) {
                for (int64_t j = 0; j < ldc; ++j) {
                  const size_t at = static_cast<size_t>(i * ldc + j);
                  if (j >= N) {  // padding untouched
                    ASSERT_EQ(C[at], C0[at]) << kernel_isa_name(isa) << " wrote outside C";
                    continue;
                  }
                  double ref = acc ? C0[at] : 0.0, mag = acc ? std::abs(C0[at]) : 0.0;
                  for (int64_t k = 0; k < K; ++k) {
                    const double a = trans ? A[static_cast<size_t>(k * lda + i)] : A[static_cast<size_t>(i * lda + k)];
                    ref += a * B[static_cast<size_t>(k * ldb + j)];
                    mag += std::abs(a * B[static_cast<size_t>(k * ldb + j)]);
                  }
                  worst = std::max(worst, std::abs(C[at] - ref) / (mag + 1e-30));
                }
              }
              EXPECT_LT(worst, 1e-6) << kernel_isa_name(isa) << (trans ? " tn" : " nn") << " M " << M << " N " << N
                                     << " K " << K << (acc ? " accumulate" : "");
            }
          }
        }
      }
    }
  }
}

TEST(SmallGemm, ARowGivesTheSameBitsWhereverItFalls) {
  IsaGuard guard;
  for (KernelIsa isa : supported_isas()) {
    set_kernel_isa(isa);
    const int64_t M = 37, N = 32, K = 32;
    const std::vector<float> A = random_floats(static_cast<size_t>(M * K), 4), B = random_floats(static_cast<size_t>(K * N), 5);
    std::vector<float> all(static_cast<size_t>(M * N)), part(static_cast<size_t>(M * N));
    gemm_nn(M, N, K, A.data(), K, B.data(), N, all.data(), N, false);
    for (int64_t i = 0; i < M;) {  // uneven pieces: 1, 2, 3, ... rows
      const int64_t m = std::min<int64_t>(M - i, 1 + i % 7);
      gemm_nn(m, N, K, A.data() + i * K, K, B.data(), N, part.data() + i * N, N, false);
      i += m;
    }
    EXPECT_EQ(all, part) << kernel_isa_name(isa);
  }
}

TEST(SmallGemm, NamesAndRefusals) {
  IsaGuard guard;
  EXPECT_STREQ(kernel_isa_name(KernelIsa::Baseline), "baseline");
  EXPECT_STREQ(kernel_isa_name(KernelIsa::Avx2), "avx2");
  EXPECT_STREQ(kernel_isa_name(KernelIsa::Avx512), "avx512");
  for (KernelIsa isa : {KernelIsa::Avx2, KernelIsa::Avx512}) {
    if (!kernel_isa_supported(isa)) EXPECT_THROW(set_kernel_isa(isa), std::invalid_argument);
  }
#if defined(__x86_64__) && defined(__GNUC__)
  // The best kernels this CPU has are the ones chosen (unless DYNAE_KERNELS says otherwise)
  if (!std::getenv("DYNAE_KERNELS")) {
    EXPECT_EQ(guard.saved, supported_isas().back());
    EXPECT_EQ(kernel_isa_supported(KernelIsa::Avx2), __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"));
  }
#endif
}

TEST(ThreadTeam, EveryMemberRunsItsShareOnceAndErrorsComeBack) {
  for (int size : {1, 2, 3}) {
    ThreadTeam team(size);
    ASSERT_EQ(team.size(), size);
    std::vector<int> hits(1000, 0);
    for (int round = 0; round < 2000; ++round) {
      team.run([&](int t) {
        const auto [b, e] = team.share(static_cast<int64_t>(hits.size()), t);
        for (int64_t i = b; i < e; ++i) ++hits[static_cast<size_t>(i)];
      });
      if (round % 500 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));  // members asleep
    }
    for (int h : hits) ASSERT_EQ(h, 2000);
    EXPECT_THROW(team.run([&](int t) {
                   if (t == size - 1) throw std::runtime_error("member failed");
                 }),
                 std::runtime_error);
    std::atomic<int> after{0};  // usable after an error
    team.run([&](int) { after.fetch_add(1); });
    EXPECT_EQ(after.load(), size);
  }
  ThreadTeam team(4);  // shares cover 0..n-1 in order, also for n < size
  for (int64_t n : {0, 1, 3, 4, 10}) {
    int64_t next = 0;
    for (int t = 0; t < 4; ++t) {
      const auto [b, e] = team.share(n, t);
      EXPECT_EQ(b, next);
      next = e;
    }
    EXPECT_EQ(next, n);
  }
}

TEST(ThreadTeam, NetworksAndSlicedWassersteinGiveTheSameBitsForAnyTeamSize) {
  // A 3-layer ReLU encoder and a thin-input tanh decoder, 300 rows (a partial last chunk)
  const int64_t rows = 300;
  for (auto [in, h, out, act] : {std::tuple{7, 32, 2, Activation::ReLU}, std::tuple{2, 32, 9, Activation::Tanh}}) {
    const std::vector<int64_t> sizes = {in, h, h, out};
    std::vector<std::vector<float>> w, b;
    for (size_t i = 0; i + 1 < sizes.size(); ++i) {
      w.push_back(random_floats(static_cast<size_t>(sizes[i] * sizes[i + 1]), 10 + static_cast<unsigned>(i)));
      b.push_back(random_floats(static_cast<size_t>(sizes[i + 1]), 20 + static_cast<unsigned>(i)));
    }
    const std::vector<float> x = random_floats(static_cast<size_t>(rows * in), 30);
    const std::vector<float> dy = random_floats(static_cast<size_t>(rows * out), 31);
    std::vector<float> ref_y, ref_dx, ref_g;
    for (int size : {1, 2, 3}) {
      ThreadTeam team(size);
      std::vector<std::vector<float>> gw, gb;
      std::vector<DenseLayer> layers;
      for (size_t i = 0; i + 1 < sizes.size(); ++i) {
        gw.emplace_back(w[i].size(), 0.5f);  // accumulated into
        gb.emplace_back(b[i].size(), 0.25f);
      }
      for (size_t i = 0; i + 1 < sizes.size(); ++i) {
        layers.push_back({w[i].data(), b[i].data(), gw[i].data(), gb[i].data(), sizes[i], sizes[i + 1]});
      }
      FusedMlp net(layers, act);
      net.set_team(&team);
      const float* y = net.forward(x.data(), rows);
      const std::vector<float> ys(y, y + rows * out);
      const float* dx = net.backward(dy.data(), true);
      const std::vector<float> dxs(dx, dx + rows * in);
      std::vector<float> g;
      for (size_t i = 0; i < gw.size(); ++i) {
        g.insert(g.end(), gw[i].begin(), gw[i].end());
        g.insert(g.end(), gb[i].begin(), gb[i].end());
      }
      if (size == 1) {
        ref_y = ys, ref_dx = dxs, ref_g = g;
        continue;
      }
      EXPECT_EQ(ys, ref_y) << size << " threads";
      EXPECT_EQ(dxs, ref_dx) << size << " threads";
      EXPECT_EQ(g, ref_g) << size << " threads";
    }
  }
  // The sliced Wasserstein distance and its gradient
  const int64_t n = 256, d = 3, L = 50;
  const std::vector<float> a = random_floats(n * d, 40), bb = random_floats(n * d, 41);
  std::vector<float> dirs = random_floats(L * d, 42);
  for (int64_t l = 0; l < L; ++l) {
    float norm = 0;
    for (int64_t k = 0; k < d; ++k) norm += dirs[l * d + k] * dirs[l * d + k];
    for (int64_t k = 0; k < d; ++k) dirs[l * d + k] /= std::sqrt(norm);
  }
  std::vector<float> g1(n * d), g2(n * d);
  SlicedWassersteinScratch s1, s2;
  ThreadTeam team(3);
  const double v1 = sliced_wasserstein_fused(a.data(), bb.data(), dirs.data(), n, d, L, g1.data(), s1);
  const double v2 = sliced_wasserstein_fused(a.data(), bb.data(), dirs.data(), n, d, L, g2.data(), s2, &team);
  EXPECT_EQ(v1, v2);
  EXPECT_EQ(g1, g2);
}

// Whole trainings on the fused path: N threads split each batch into N
// pieces, one per thread, and train exactly the model that one thread
// training N data-parallel shards one after another trains (the same pieces,
// draws and order of sums), which in turn is what N ranks train
// (test_distributed.cpp); and not the 1-thread model (the split acts).
TEST(ThreadTeam, NThreadsTrainTheModelOfNShardsOnOneThread) {
  const auto [x, data] = bundled_subset(12000);
  const ModelOptions o = ModelOptions().set_epochs(2).set_seed(3).set_prior_refit_steps(20);
  const Array probe = x.slice_frames(0, 3000);
  auto train = [&](int threads, int64_t shards, std::vector<double>& losses) {
    set_num_threads(threads);
    Estimator est(o);
    if (shards > 1) est.set_data_parallel(DataParallel{shards, nullptr});
    const Model m = est.fit(data);
    set_num_threads(1);
    for (const auto& r : est.history()) {
      for (double v : {r.train.total, r.train.prior, r.test.total}) losses.push_back(v);
    }
    return m.encode(probe);
  };
  std::vector<double> one_losses;
  const Array one = train(1, 1, one_losses);
  for (int threads : {2, 3}) {
    std::vector<double> threaded_losses, sharded_losses;
    const Array threaded = train(threads, 1, threaded_losses), sharded = train(1, threads, sharded_losses);
    EXPECT_EQ(threaded_losses, sharded_losses) << threads << " threads";
    EXPECT_EQ(threaded.data, sharded.data) << threads << " threads";
    EXPECT_GT(test::max_abs_difference(threaded, one), 1e-6) << threads << " threads";
  }
}

// threads = 0 (auto) splits each batch into one piece per 128 pairs whatever
// the machine: on one core the two pieces of the default batch are computed
// one after the other, and the model is the one 2 threads (2 pieces) train.
TEST(ThreadTeam, OmpNumThreadsCapsTheCoresAutoUses) {
  const char* was = std::getenv("OMP_NUM_THREADS");
  const std::string saved = was ? was : "";
  ::unsetenv("OMP_NUM_THREADS");
  const int64_t cores = available_cores();
  ASSERT_GE(cores, 1);
  ::setenv("OMP_NUM_THREADS", "1", 1);
  EXPECT_EQ(available_cores(), 1);
  for (const char* ignored : {"0", "-3", "two", "", "4x"}) {
    ::setenv("OMP_NUM_THREADS", ignored, 1);
    EXPECT_EQ(available_cores(), cores) << ignored;
  }
  ::setenv("OMP_NUM_THREADS", "100000", 1);
  EXPECT_EQ(available_cores(), cores);  // a cap, never more than the affinity allows
  if (was) {
    ::setenv("OMP_NUM_THREADS", saved.c_str(), 1);
  } else {
    ::unsetenv("OMP_NUM_THREADS");
  }
}

TEST(ThreadTeam, AutoTrainsTheSameModelOnOneCoreAsOnTwo) {
  const auto [x, data] = bundled_subset(12000);
  const ModelOptions o = ModelOptions().set_epochs(2).set_seed(6).set_prior_refit_steps(20);
  ASSERT_EQ(o.batch_size, 256);
  const Array probe = x.slice_frames(0, 3000);
  auto train = [&](int threads) {
    set_num_threads(threads);
    const Array z = Estimator(o).fit(data).encode(probe);
    set_num_threads(1);
    return z;
  };
  cpu_set_t all, one;
  ASSERT_EQ(sched_getaffinity(0, sizeof all, &all), 0);
  CPU_ZERO(&one);
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &all)) {
      CPU_SET(c, &one);
      break;
    }
  }
  ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0);
  set_num_threads(0);
  EXPECT_EQ(available_cores(), 1);
  EXPECT_EQ(batch_pieces(256), 2);
  EXPECT_EQ(kernel_threads(256), 1);
  const Array one_core = train(0);
  ASSERT_EQ(sched_setaffinity(0, sizeof all, &all), 0);
  const Array auto_threads = train(0), two = train(2), single = train(1);
  EXPECT_EQ(one_core.data, auto_threads.data);
  EXPECT_EQ(one_core.data, two.data);
  EXPECT_GT(test::max_abs_difference(one_core, single), 1e-6);  // 1 thread: one piece
}

TEST(SmallGemm, EveryKernelSetTrainsTheSameModelToRounding) {
  IsaGuard guard;
  set_num_threads(1);
  const auto [x, data] = bundled_subset(8000);
  // The warm-up epoch only: later resamplings amplify rounding (test_fused.cpp)
  const ModelOptions o = ModelOptions().set_epochs(1).set_seed(5).set_prior_refit_steps(20);
  std::vector<Array> latents;
  for (KernelIsa isa : supported_isas()) {
    set_kernel_isa(isa);
    Estimator est(o);
    latents.push_back(est.fit(data).encode(x.slice_frames(0, 2000)));
  }
  for (size_t k = 1; k < latents.size(); ++k) {
    EXPECT_LT(test::max_abs_difference(latents[k], latents[0]), 1e-3) << kernel_isa_name(supported_isas()[k]);
  }
}

TEST(SortWords, TheVectorNetworksSortLikeStdSortForEverySize) {
  IsaGuard guard;
  std::mt19937 rng(7);
  int tried = 0;
  for (KernelIsa isa : {KernelIsa::Avx2, KernelIsa::Avx512}) {
  if (!kernel_isa_supported(isa)) continue;
  ++tried;
  set_kernel_isa(isa);
  for (int64_t n = 2; n <= 256; ++n) {
    for (int rep = 0; rep < 3; ++rep) {
      // Distinct words as the sliced Wasserstein sort makes them: a 16-bit key (few
      // values, so keys repeat) above the row
      std::vector<uint32_t> w(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) w[static_cast<size_t>(i)] = ((rng() % (rep == 0 ? 5u : 65536u)) << 16) | static_cast<uint32_t>(i);
      std::vector<uint32_t> expected = w;
      std::sort(expected.begin(), expected.end());
      ASSERT_TRUE(sort_small_words(w.data(), n)) << n;
      ASSERT_EQ(w, expected) << kernel_isa_name(isa) << ", n = " << n;
    }
  }
  std::vector<uint32_t> big(257, 1u), with_max = {3u, 0xFFFFFFFFu, 1u, 0xFFFFFFFFu};
  EXPECT_FALSE(sort_small_words(big.data(), 257));          // too long: the caller's radix sort
  EXPECT_TRUE(sort_small_words(with_max.data(), 4));        // the largest word ties with the padding: harmless
  EXPECT_EQ(with_max, (std::vector<uint32_t>{1u, 3u, 0xFFFFFFFFu, 0xFFFFFFFFu}));
  }
  if (tried == 0) GTEST_SKIP() << "neither AVX2 nor AVX-512 on this CPU";
  set_kernel_isa(KernelIsa::Baseline);
  std::vector<uint32_t> w = {2u, 1u};
  EXPECT_FALSE(sort_small_words(w.data(), 2));  // other kernel sets: not applied
}

// The thin layers' dot products (cpu/vector_math.h): 8 lanes of rounded
// products and sums, the lanes added in order, whatever the rows' count
// (blocks of 8 and the rest); K not a multiple of 8 is left to the caller.
TEST(DotRows, TheSameSumsAsTheLaneLoop) {
  IsaGuard guard;
  std::mt19937 rng(5);
  std::normal_distribution<float> normal;
  int tried = 0;
  for (KernelIsa isa : {KernelIsa::Baseline, KernelIsa::Avx2, KernelIsa::Avx512}) {
    if (!kernel_isa_supported(isa)) continue;
    set_kernel_isa(isa);
    for (int64_t K : {8, 32, 64}) {
      for (int64_t n : {1, 2, 3}) {
        for (int64_t rows : {1, 7, 8, 13, 64}) {
          std::vector<float> a(static_cast<size_t>(rows * K)), b(static_cast<size_t>(n * K)), y(static_cast<size_t>(rows * n));
          for (float& v : a) v = normal(rng);
          for (float& v : b) v = normal(rng);
          if (!dot_rows(y.data(), a.data(), b.data(), rows, n, K)) {
            EXPECT_EQ(isa, KernelIsa::Baseline);  // (the caller's loop)
            continue;
          }
          ++tried;
          for (int64_t r = 0; r < rows; ++r) {
            for (int64_t j = 0; j < n; ++j) {
              float lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
              for (int64_t k = 0; k < K; k += 8) {
                for (int m = 0; m < 8; ++m) {
                  const float p = a[static_cast<size_t>(r * K + k + m)] * b[static_cast<size_t>(j * K + k + m)];
                  lanes[m] = lanes[m] + p;
                }
              }
              float sum = 0.0f;
              for (float v : lanes) sum += v;
              ASSERT_EQ(y[static_cast<size_t>(r * n + j)], sum) << kernel_isa_name(isa) << " K " << K << " n " << n
                                                                << " rows " << rows << " at " << r << ", " << j;
            }
          }
        }
      }
    }
    std::vector<float> y(2);
    const std::vector<float> a(12, 1.0f), b(24, 1.0f);
    EXPECT_FALSE(dot_rows(y.data(), a.data(), b.data(), 1, 2, 12));  // K = 12: the caller's loop
  }
  if (tried == 0) GTEST_SKIP() << "no vector kernel set on this CPU";
}

// Every kernel set's tanh (Eigen's, at that set's vector width) against
// libm's, over the range a layer sees and past Eigen's clamp, whatever the
// length and start (vector body and scalar ends).
TEST(VectorMath, TanhOfEveryKernelSetMatchesLibm) {
  IsaGuard guard;
  for (KernelIsa isa : {KernelIsa::Baseline, KernelIsa::Avx2, KernelIsa::Avx512}) {
    if (!kernel_isa_supported(isa)) continue;
    set_kernel_isa(isa);
    for (int64_t n : {1, 7, 8, 33, 1000}) {
      std::vector<float> v(static_cast<size_t>(n + 1)), x(v.size());
      for (int64_t i = 0; i <= n; ++i) x[static_cast<size_t>(i)] = -12.0f + 24.0f * static_cast<float>(i) / static_cast<float>(n);
      v = x;
      tanh_in_place(v.data() + 1, n);  // an unaligned start
      EXPECT_EQ(v[0], x[0]);
      for (int64_t i = 1; i <= n; ++i) {
        EXPECT_NEAR(v[static_cast<size_t>(i)], std::tanh(x[static_cast<size_t>(i)]), 2e-6)
            << kernel_isa_name(isa) << " at " << x[static_cast<size_t>(i)];
      }
    }
  }
}
