#include "cpu/small_gemm.h"

#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace dynae {
namespace {

GemmKernels kernels_of(KernelIsa isa) {
  switch (isa) {
    case KernelIsa::Avx512: return gemm_kernels_avx512();
    case KernelIsa::Avx2: return gemm_kernels_avx2();
    case KernelIsa::Baseline: break;
  }
  return gemm_kernels_baseline();
}

bool cpu_runs(KernelIsa isa) {
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  switch (isa) {
    case KernelIsa::Avx512: return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
    case KernelIsa::Avx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case KernelIsa::Baseline: return true;
  }
  return false;
#else
  return isa == KernelIsa::Baseline;
#endif
}

KernelIsa best_isa() {
  for (KernelIsa isa : {KernelIsa::Avx512, KernelIsa::Avx2}) {
    if (kernel_isa_supported(isa)) return isa;
  }
  return KernelIsa::Baseline;
}

KernelIsa initial_isa() {
  const char* env = std::getenv("DYNAE_KERNELS");
  if (env && *env) {
    for (KernelIsa isa : {KernelIsa::Baseline, KernelIsa::Avx2, KernelIsa::Avx512}) {
      if (std::string(env) == kernel_isa_name(isa) && kernel_isa_supported(isa)) return isa;
    }
  }
  return best_isa();
}

std::atomic<int>& chosen() {
  static std::atomic<int> isa{static_cast<int>(initial_isa())};
  return isa;
}
// Every set's entry points (null where not built), indexed by KernelIsa
const GemmKernels& active() {
  static const GemmKernels table[3] = {gemm_kernels_baseline(), gemm_kernels_avx2(), gemm_kernels_avx512()};
  return table[chosen().load(std::memory_order_relaxed)];
}

}  // namespace

const char* kernel_isa_name(KernelIsa isa) {
  switch (isa) {
    case KernelIsa::Avx512: return "avx512";
    case KernelIsa::Avx2: return "avx2";
    case KernelIsa::Baseline: break;
  }
  return "baseline";
}

bool kernel_isa_supported(KernelIsa isa) { return kernels_of(isa).nn != nullptr && cpu_runs(isa); }

KernelIsa kernel_isa() { return static_cast<KernelIsa>(chosen().load(std::memory_order_relaxed)); }

void set_kernel_isa(KernelIsa isa) {
  if (!kernel_isa_supported(isa)) {
    throw std::invalid_argument(std::string("the ") + kernel_isa_name(isa) +
                                " kernels cannot run on this CPU (or were not built)");
  }
  chosen().store(static_cast<int>(isa), std::memory_order_relaxed);
}

void gemm_nn(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B, int64_t ldb, float* C,
             int64_t ldc, bool accumulate) {
  active().nn(M, N, K, A, lda, B, ldb, C, ldc, accumulate);
}

void gemm_tn(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B, int64_t ldb, float* C,
             int64_t ldc, bool accumulate) {
  active().tn(M, N, K, A, lda, B, ldb, C, ldc, accumulate);
}

}  // namespace dynae
