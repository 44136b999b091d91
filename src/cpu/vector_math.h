#pragma once
// Elementwise math and small dot products of the fused kernels at the full
// vector width of the kernel set in use (cpu/small_gemm.h: DYNAE_KERNELS,
// else the CPU's best): Eigen's vectorised functions compiled once per
// instruction set (vector_math_avx2.cpp, vector_math_avx512.cpp; vector_math.cpp
// for the baseline), because Eigen picks its packets by the compiler's flags,
// not by a function's target; the thin layers' dot products in AVX2
// registers (dot_rows_avx2.cpp). The results are the same bits for a given
// kernel set and do not depend on where a range starts, only on its values
// and length. Torch-free.
#include <cstdint>

namespace dynae {

/// v[i] = tanh(v[i]) for i < n.
void tanh_in_place(float* v, int64_t n);

/// The index of the first smallest of s[0 .. k) and, in `smallest`, its
/// value: what a scan with a strict comparison from +infinity finds (a NaN
/// never wins; none finite below infinity: index 0 and infinity), without
/// its unpredictable branches (the minimum over four independent lanes,
/// then the first index holding it). k >= 1.
int64_t first_smallest(const double* s, int64_t k, double& smallest);

/// y (rows, n) = a (rows, K) b (n, K)^T for a small n, each value a dot
/// product summed in 8 lanes (lane m = 0 + a_m b_m + a_(m+8) b_(m+8) + ...,
/// each product rounded) and the lanes then added in order to 0: the fused
/// MLP's thin layers. Returns false, computing nothing, where the kernel set
/// has no such kernel or K is not a multiple of 8 (the caller's loop, which
/// gives the same values, applies).
bool dot_rows(float* y, const float* a, const float* b, int64_t rows, int64_t n, int64_t K);

/// One instruction set's entries (internal to the dispatch; nullptr when not
/// built). The AVX-512 kernel set uses the AVX2 dot_rows.
using TanhKernel = void (*)(float*, int64_t);
TanhKernel tanh_kernel_avx2();
TanhKernel tanh_kernel_avx512();
using DotRowsKernel = bool (*)(float*, const float*, const float*, int64_t, int64_t, int64_t);
DotRowsKernel dot_rows_kernel_avx2();

}  // namespace dynae
