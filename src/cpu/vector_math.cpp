#include "cpu/vector_math.h"

#include <Eigen/Core>

#include "cpu/small_gemm.h"

namespace dynae {
namespace {

void tanh_baseline(float* v, int64_t n) {
  Eigen::Map<Eigen::ArrayXf> a(v, n);
  a = a.tanh();
}

TanhKernel tanh_for(KernelIsa isa) {
  TanhKernel k = nullptr;
  if (isa == KernelIsa::Avx512) k = tanh_kernel_avx512();
  if (isa == KernelIsa::Avx2) k = tanh_kernel_avx2();
  return k ? k : &tanh_baseline;
}

}  // namespace

void tanh_in_place(float* v, int64_t n) {
  static const TanhKernel table[3] = {tanh_for(KernelIsa::Baseline), tanh_for(KernelIsa::Avx2),
                                      tanh_for(KernelIsa::Avx512)};
  table[static_cast<int>(kernel_isa())](v, n);
}

}  // namespace dynae
