// cpu/small_gemm.h's kernels for AVX2 + FMA (compiled with -mavx2 -mfma on
// x86-64; 16 vector registers: 6 rows x 2 ymm accumulators).
#include "cpu/small_gemm.h"

#if defined(__AVX2__) && defined(__FMA__)
#define DYNAE_GEMM_W 8
#define DYNAE_GEMM_NV 2
#define DYNAE_GEMM_MR 6
#define DYNAE_GEMM_ENTRY gemm_kernels_avx2
#include "cpu/small_gemm_kernels.inc"
#else
namespace dynae {
GemmKernels gemm_kernels_avx2() { return {nullptr, nullptr}; }
}  // namespace dynae
#endif
