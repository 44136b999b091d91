#include <dlfcn.h>
#include <malloc.h>

#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <atomic>
#include <thread>

#include <torch/torch.h>

#include "dynae/errors.h"
#include "dynae/runtime.h"

namespace dynae {

namespace {
std::atomic<int64_t> requested_threads{0};  // 0: auto (also when never set)

/// OpenBLAS's thread-count functions, looked up once (null with another BLAS).
struct OpenBlasThreads {
  int (*get)() = nullptr;
  void (*set)(int) = nullptr;
};
const OpenBlasThreads& openblas() {
  static const OpenBlasThreads f{reinterpret_cast<int (*)()>(::dlsym(RTLD_DEFAULT, "openblas_get_num_threads")),
                                 reinterpret_cast<void (*)(int)>(::dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))};
  return f;
}
}  // namespace

int64_t available_cores() {
  int64_t cores = std::max(1u, std::thread::hardware_concurrency());
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) cores = std::max(1, CPU_COUNT(&set));
#endif
  // A job's thread budget (Slurm scripts, CTest, notebooks sharing a node):
  // OMP_NUM_THREADS, when it is a positive integer, caps the count
  if (const char* omp = std::getenv("OMP_NUM_THREADS")) {
    char* end = nullptr;
    const long n = std::strtol(omp, &end, 10);
    if (end != omp && *end == '\0' && n > 0) cores = std::min<int64_t>(cores, n);
  }
  return cores;
}

void set_num_threads(int64_t n) {
  if (n < 0 || n > 1024) {
    throw ConfigError("threads = " + std::to_string(n) + " is invalid: expected 0 (auto) to 1024");
  }
  requested_threads = n;
  const int threads = n > 0 ? static_cast<int>(n) : 1;
  torch::set_num_threads(threads);
  // OpenBLAS keeps its own thread pool, which LibTorch does not size; left at
  // one thread per core its idle workers spin and cost ~15 % on one-thread
  // runs. Debian's libblas.so.3 (OpenBLAS) links libopenblas.so.0, which
  // exports this setter; with another BLAS the symbol is absent and nothing happens.
  if (auto* set = openblas().set) set(threads);
}

int64_t num_threads() { return torch::get_num_threads(); }

int64_t batch_pieces(int64_t batch_size) {
  const int64_t n = requested_threads;
  if (n > 0) return n;
  return std::max<int64_t>(1, batch_size / 128);
}

int64_t kernel_threads(int64_t batch_size) {
  const int64_t n = requested_threads;
  if (n > 0) return n;
  return std::min(available_cores(), batch_pieces(batch_size));
}

void keep_freed_memory() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

BlasThreadsGuard::BlasThreadsGuard(int n) {
  const OpenBlasThreads& f = openblas();
  if (n <= 0 || !f.get || !f.set) return;
  previous_ = f.get();
  if (previous_ != n) f.set(n);
  else previous_ = 0;
}

BlasThreadsGuard::~BlasThreadsGuard() {
  if (previous_ > 0 && openblas().set) openblas().set(previous_);
}

TorchThreadsGuard::TorchThreadsGuard(int n) {
  if (n <= 0 || n == torch::get_num_threads()) return;
  previous_ = torch::get_num_threads();
  torch::set_num_threads(n);
}

TorchThreadsGuard::~TorchThreadsGuard() {
  if (previous_ > 0) torch::set_num_threads(previous_);
}

}  // namespace dynae
