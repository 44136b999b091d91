// cpu/vector_math.h's functions for AVX-512F + FMA (compiled with -mavx512f
// -mavx2 -mfma on x86-64): Eigen's 16-float packets.
#include "cpu/vector_math.h"

#if defined(__AVX512F__) && defined(__FMA__)
#define DYNAE_VECTOR_MATH_NS dynae_eigen_avx512
#define DYNAE_VECTOR_MATH_ENTRY tanh_kernel_avx512
#include "cpu/vector_math_kernels.inc"
#else
namespace dynae {
TanhKernel tanh_kernel_avx512() { return nullptr; }
}  // namespace dynae
#endif
