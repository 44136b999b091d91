// cpu/vector_math.h's functions for AVX2 + FMA (compiled with -mavx2 -mfma on
// x86-64): Eigen's 8-float packets.
#include "cpu/vector_math.h"

#if defined(__AVX2__) && defined(__FMA__)
#define DYNAE_VECTOR_MATH_NS dynae_eigen_avx2
#define DYNAE_VECTOR_MATH_ENTRY tanh_kernel_avx2
#include "cpu/vector_math_kernels.inc"
#else
namespace dynae {
TanhKernel tanh_kernel_avx2() { return nullptr; }
}  // namespace dynae
#endif
