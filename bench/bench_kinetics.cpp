// Kinetics speed: one lag of a 1M-frame, 200-state Markov state model
// (sliding-window counts, largest connected set, reversible MLE, eigenvalues,
// implied timescales), the same with 100 bootstrap samples, the CK test
// (K = 5), and VAMP-2 of 1M frames of 2 and of 45 features.
// Prints a readable summary and "BENCH <name> <value> <unit>" lines.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>

#include "dynae/analysis/ck_test.h"
#include "dynae/analysis/msm.h"
#include "dynae/analysis/vamp.h"

namespace {

using Clock = std::chrono::steady_clock;

void line(const std::string& name, double value, const char* unit) { std::printf("BENCH %s %.6g %s\n", name.c_str(), value, unit); }

template <class F>
double seconds(F&& f) {
  const auto t0 = Clock::now();
  f();
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

int main() {
  // A diffusive 200-state chain: a random walk on a double-well free energy
  // over the states (Metropolis moves to the neighbours).
  const int64_t states = 200, frames = 1000000;
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> u;
  auto f = [&](int64_t s) {
    const double x = -2 + 4.0 * s / (states - 1);
    return 3 * (x * x - 1) * (x * x - 1);
  };
  std::vector<int64_t> s(frames);
  int64_t x = 0;
  for (int64_t t = 0; t < frames; ++t) {
    for (int k = 0; k < 20; ++k) {
      const int64_t y = x + (u(rng) < 0.5 ? -1 : 1);
      if (y >= 0 && y < states && u(rng) < std::exp(-(f(y) - f(x)))) x = y;
    }
    s[t] = x;
  }
  const dynae::DiscreteTrajectories d = {s};
  const int64_t lag = 10;
  dynae::Msm m;
  double t_count = 0;
  const double t_msm = seconds([&] {
    dynae::CountMatrix c;
    t_count = seconds([&] { c = dynae::count_transitions(d, states, lag); });
    m = dynae::estimate_msm(c, lag);
  });
  const std::vector<double> its = m.timescales(3);
  std::printf("one lag (%lld), %lld frames, %lld states: %.3f s (counting %.3f s), %lld MLE iterations; ITS %.1f %.1f %.1f\n",
              static_cast<long long>(lag), static_cast<long long>(frames), static_cast<long long>(states), t_msm, t_count,
              static_cast<long long>(m.iterations), its[0], its[1], its[2]);
  line("msm_one_lag_1M_frames_200_states", t_msm, "s");
  dynae::ItsOptions o;
  o.bootstrap = 100;
  const double t_boot = seconds([&] { dynae::implied_timescales(d, states, lag, o); });
  std::printf("the same with 100 bootstrap samples: %.3f s\n", t_boot);
  line("its_one_lag_100_bootstrap", t_boot, "s");
  const double t_ck = seconds([&] { dynae::ck_test(d, states, lag, {}, {}); });
  std::printf("CK test, K = 5, 200 sets: %.3f s\n", t_ck);
  line("ck_test_k5_200_states", t_ck, "s");
  for (int64_t dims : {2, 45}) {
    dynae::Array a = dynae::Array::zeros({frames, dims});
    for (int64_t t = 0; t < frames; ++t) {
      for (int64_t j = 0; j < dims; ++j) a.data[t * dims + j] = std::cos(0.01 * (j + 1) * s[t]) + 0.1 * u(rng);
    }
    double score = 0;
    const double t_vamp = seconds([&] { score = dynae::fit_vamp({a}, lag).score(); });
    std::printf("VAMP-2 of %lld features, 1M frames: %.3f s (score %.3f)\n", static_cast<long long>(dims), t_vamp, score);
    line("vamp2_1M_frames_" + std::to_string(dims) + "_features", t_vamp, "s");
  }
  return 0;
}
