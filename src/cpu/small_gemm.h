#pragma once
// Products of small row-major float matrices (the fused kernels' batch x 32 x
// 32 layers) at full vector width on any x86-64 CPU, whatever a BLAS library
// guesses about the processor: register-blocked kernels compiled once per
// instruction set (small_gemm_avx512.cpp, small_gemm_avx2.cpp,
// small_gemm_baseline.cpp, one source: small_gemm_kernels.inc) and chosen at
// run time from the CPU's feature flags (cpuid), never from its model number.
// Each output element is one sequential sum over k, so a row's result does
// not depend on how the rows are split between threads. Torch-free.
#include <cstdint>

namespace dynae {

/// The instruction sets the kernels are built for, slowest first.
enum class KernelIsa { Baseline = 0, Avx2 = 1, Avx512 = 2 };

/// "baseline" (SSE2), "avx2" (AVX2 + FMA), "avx512" (AVX-512F + FMA).
const char* kernel_isa_name(KernelIsa isa);
/// Whether this CPU (and build) can run `isa`'s kernels.
bool kernel_isa_supported(KernelIsa isa);
/// The kernels in use: the best this CPU supports, unless DYNAE_KERNELS
/// (baseline, avx2 or avx512) names another one it supports.
KernelIsa kernel_isa();
/// Chooses the kernels (tests and benchmarks); throws std::invalid_argument
/// when this CPU cannot run them.
void set_kernel_isa(KernelIsa isa);

/// C (M x N, row stride ldc) = A (M x K, lda) B (K x N, ldb), or += when
/// `accumulate`.
void gemm_nn(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B, int64_t ldb, float* C,
             int64_t ldc, bool accumulate);
/// C (M x N, ldc) = A^T B for A (K x M, lda) and B (K x N, ldb), or += when
/// `accumulate`.
void gemm_tn(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B, int64_t ldb, float* C,
             int64_t ldc, bool accumulate);

/// The kernel entry points of one instruction set (internal to the dispatch).
struct GemmKernels {
  void (*nn)(int64_t, int64_t, int64_t, const float*, int64_t, const float*, int64_t, float*, int64_t, bool);
  void (*tn)(int64_t, int64_t, int64_t, const float*, int64_t, const float*, int64_t, float*, int64_t, bool);
};
GemmKernels gemm_kernels_baseline();
GemmKernels gemm_kernels_avx2();    ///< {nullptr, nullptr} when not built
GemmKernels gemm_kernels_avx512();  ///< {nullptr, nullptr} when not built

}  // namespace dynae
