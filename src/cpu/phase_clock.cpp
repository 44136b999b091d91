#include "cpu/phase_clock.h"

#include <atomic>
#include <chrono>

namespace dynae {
namespace {

using Clock = std::chrono::steady_clock;

std::atomic<bool> g_running{false};
thread_local bool t_clock_thread = false;
thread_local Phase t_current = Phase::other;
thread_local Clock::time_point t_since;
thread_local std::array<double, kPhases> t_seconds{};
// The clock thread's totals, readable from it after stop (copied on stop)
std::array<double, kPhases> g_last{};

void charge(Clock::time_point now) {
  t_seconds[static_cast<size_t>(t_current)] += std::chrono::duration<double>(now - t_since).count();
  t_since = now;
}

}  // namespace

const char* phase_name(Phase p) {
  switch (p) {
    case Phase::other: return "other";
    case Phase::batch: return "batch";
    case Phase::draws: return "draws";
    case Phase::forward: return "forward";
    case Phase::loss: return "loss";
    case Phase::sorts: return "sorts";
    case Phase::backward: return "backward";
    case Phase::gradient_sum: return "gradient_sum";
    case Phase::optimiser: return "optimiser";
    case Phase::resampling: return "resampling";
    case Phase::refit: return "refit";
    case Phase::warm_start: return "warm_start";
    case Phase::quality: return "quality";
    case Phase::wait: return "wait";
    case Phase::communication: return "communication";
    case Phase::count: break;
  }
  return "?";
}

void start_phase_clock() {
  t_seconds.fill(0.0);
  t_current = Phase::other;
  t_since = Clock::now();
  t_clock_thread = true;
  g_running.store(true, std::memory_order_relaxed);
}

void stop_phase_clock() {
  if (t_clock_thread) {
    charge(Clock::now());
    g_last = t_seconds;
  }
  t_clock_thread = false;
  g_running.store(false, std::memory_order_relaxed);
}

std::array<double, kPhases> phase_seconds() {
  if (!t_clock_thread) return g_last;
  charge(Clock::now());
  return t_seconds;
}

namespace phase_clock_detail {

bool on_this_thread() { return g_running.load(std::memory_order_relaxed) && t_clock_thread; }

Phase enter(Phase p) {
  charge(Clock::now());
  const Phase previous = t_current;
  t_current = p;
  return previous;
}

void leave(Phase previous) {
  charge(Clock::now());
  t_current = previous;
}

}  // namespace phase_clock_detail
}  // namespace dynae
