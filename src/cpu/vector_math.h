#pragma once
// Elementwise math of the fused kernels at the full vector width of the kernel
// set in use (cpu/small_gemm.h: DYNAE_KERNELS, else the CPU's best): Eigen's
// vectorised functions compiled once per instruction set (vector_math_avx2.cpp,
// vector_math_avx512.cpp; vector_math.cpp for the baseline), because Eigen
// picks its packets by the compiler's flags, not by a function's target. The
// result is the same bits for a given kernel set and does not depend on where
// a range starts, only on its values and length. Torch-free.
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

/// One instruction set's entry (internal to the dispatch; nullptr when not built).
using TanhKernel = void (*)(float*, int64_t);
TanhKernel tanh_kernel_avx2();
TanhKernel tanh_kernel_avx512();

}  // namespace dynae
