// cpu/small_gemm.h's kernels for AVX-512F + FMA (compiled with -mavx512f
// -mfma -mavx2 on x86-64; 32 vector registers: 8 rows x 2 zmm accumulators).
#include "cpu/small_gemm.h"

#if defined(__AVX512F__) && defined(__FMA__)
#define DYNAE_GEMM_W 16
#define DYNAE_GEMM_NV 2
#define DYNAE_GEMM_MR 8
#define DYNAE_GEMM_ENTRY gemm_kernels_avx512
#include "cpu/small_gemm_kernels.inc"
#else
namespace dynae {
GemmKernels gemm_kernels_avx512() { return {nullptr, nullptr}; }
}  // namespace dynae
#endif
