#pragma once
// A fixed team of threads for the fused training kernels' parallel regions,
// each a few to a hundred microseconds: the caller is member 0 and runs its
// share too; the others spin briefly between regions (so a region starts in
// well under a microsecond) and then sleep. Work is split into contiguous
// shares in a fixed order, so what a kernel computes from its shares (and
// how it adds them up) does not depend on timing. Torch-free.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace dynae {

class ThreadTeam {
 public:
  /// `threads` >= 1 members (threads - 1 are started here).
  explicit ThreadTeam(int threads);
  ~ThreadTeam();
  ThreadTeam(const ThreadTeam&) = delete;
  ThreadTeam& operator=(const ThreadTeam&) = delete;

  int size() const { return size_; }

  /// Calls f(t) for every member t = 0 .. size() - 1 (t = 0 on the calling
  /// thread) and returns when all have returned; rethrows the first
  /// member's exception. Not reentrant.
  template <class F>
  void run(F&& f) {
    if (size_ == 1) {
      f(0);
      return;
    }
    run_impl([](void* ctx, int t) { (*static_cast<std::remove_reference_t<F>*>(ctx))(t); }, &f);
  }

  /// Member t's share [begin, end) of n items split into size() contiguous
  /// ranges, in member order.
  std::pair<int64_t, int64_t> share(int64_t n, int t) const {
    return {n * t / size_, n * (t + 1) / size_};
  }

 private:
  void run_impl(void (*fn)(void*, int), void* ctx);
  void work(int t);

  int size_;
  std::vector<std::thread> workers_;
  std::vector<std::exception_ptr> errors_;
  void (*fn_)(void*, int) = nullptr;
  void* ctx_ = nullptr;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> done_{0};
  std::atomic<int> sleepers_{0};
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
};

}  // namespace dynae
