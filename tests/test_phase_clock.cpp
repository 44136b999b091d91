// The phase clock (cpu/phase_clock.h): where a training's time goes, as
// dynae_bench prints it.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "cpu/phase_clock.h"

namespace dynae {
namespace {

void busy(double seconds) {
  const auto t0 = std::chrono::steady_clock::now();
  while (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < seconds) {
  }
}

// Exclusive time: an inner phase pauses the outer one; the phases add up to
// the clock's wall time; other threads and a stopped clock count nothing.
TEST(PhaseClock, NestedPhasesAreExclusiveAndAddUpToTheWallTime) {
  const auto t0 = std::chrono::steady_clock::now();
  start_phase_clock();
  {
    const PhaseScope outer(Phase::backward);
    busy(0.02);
    {
      const PhaseScope inner(Phase::sorts);
      busy(0.03);
    }
    busy(0.01);
    std::thread other([] {
      const PhaseScope elsewhere(Phase::refit);  // not the clock's thread
      busy(0.01);
    });
    other.join();
  }
  busy(0.005);
  stop_phase_clock();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  {
    const PhaseScope after(Phase::forward);  // stopped: not counted
    busy(0.01);
  }
  const auto s = phase_seconds();
  auto at = [&](Phase p) { return s[static_cast<size_t>(p)]; };
  EXPECT_GE(at(Phase::sorts), 0.03);
  EXPECT_LT(at(Phase::sorts), 0.03 + 0.02);
  EXPECT_GE(at(Phase::backward), 0.03);  // 0.02 + 0.01, and the join (the other thread's 0.01)
  EXPECT_LT(at(Phase::backward), 0.03 + 0.01 + 0.02);
  EXPECT_EQ(at(Phase::refit), 0.0);
  EXPECT_EQ(at(Phase::forward), 0.0);
  EXPECT_GE(at(Phase::other), 0.005);
  double total = 0;
  for (double v : s) total += v;
  EXPECT_NEAR(total, wall, 0.005);
  EXPECT_STREQ(phase_name(Phase::gradient_sum), "gradient_sum");
}

}  // namespace
}  // namespace dynae
