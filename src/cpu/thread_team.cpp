#include "cpu/thread_team.h"

#include <chrono>

#include "cpu/phase_clock.h"

namespace dynae {
namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// How long an idle member spins before it sleeps: longer than the serial
// work between two regions of a training step (the batch gather, the random
// draws), shorter than anything a user would see as a busy core.
constexpr auto kSpin = std::chrono::microseconds(300);

}  // namespace

ThreadTeam::ThreadTeam(int threads) : size_(threads < 1 ? 1 : threads), errors_(static_cast<size_t>(size_)) {
  for (int t = 1; t < size_; ++t) workers_.emplace_back([this, t] { work(t); });
}

ThreadTeam::~ThreadTeam() {
  if (workers_.empty()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  for (std::thread& w : workers_) w.join();
}

void ThreadTeam::run_impl(void (*fn)(void*, int), void* ctx) {
  fn_ = fn;
  ctx_ = ctx;
  done_.store(0, std::memory_order_relaxed);
  generation_.fetch_add(1);  // seq_cst: pairs with a sleeper's count below
  if (sleepers_.load() > 0) {
    std::lock_guard<std::mutex> lock(mutex_);
    wake_.notify_all();
  }
  try {
    fn(ctx, 0);
  } catch (...) {
    errors_[0] = std::current_exception();
  }
  const int others = size_ - 1;
  const PhaseScope waiting(Phase::wait);
  while (done_.load(std::memory_order_acquire) != others) cpu_relax();
  for (std::exception_ptr& e : errors_) {
    if (e) {
      std::exception_ptr first = e;
      for (std::exception_ptr& f : errors_) f = nullptr;
      std::rethrow_exception(first);
    }
  }
}

void ThreadTeam::work(int t) {
  uint64_t seen = 0;
  for (;;) {
    auto start = std::chrono::steady_clock::now();
    int spins = 0;
    uint64_t g;
    while ((g = generation_.load(std::memory_order_acquire)) == seen) {
      cpu_relax();
      if (++spins % 64 != 0 || std::chrono::steady_clock::now() - start < kSpin) continue;
      std::unique_lock<std::mutex> lock(mutex_);
      sleepers_.fetch_add(1);  // seq_cst, before the generation is read again
      wake_.wait(lock, [&] { return generation_.load() != seen; });
      sleepers_.fetch_sub(1);
      start = std::chrono::steady_clock::now();
    }
    seen = g;
    if (stop_) return;
    try {
      fn_(ctx_, t);
    } catch (...) {
      errors_[static_cast<size_t>(t)] = std::current_exception();
    }
    done_.fetch_add(1, std::memory_order_release);
  }
}

}  // namespace dynae
