// cpu/small_gemm.h's kernels for any CPU of the build's target (SSE2 on
// x86-64: 16 registers, 6 rows x 2 xmm accumulators; other architectures get
// the compiler's lowering of the same 4-float vectors).
#include "cpu/small_gemm.h"

#define DYNAE_GEMM_W 4
#define DYNAE_GEMM_NV 2
#define DYNAE_GEMM_MR 6
#define DYNAE_GEMM_ENTRY gemm_kernels_baseline
#include "cpu/small_gemm_kernels.inc"
