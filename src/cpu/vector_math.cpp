#include "cpu/vector_math.h"

#include <Eigen/Core>
#include <algorithm>
#include <limits>

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

int64_t first_smallest(const double* s, int64_t k, double& smallest) {
  const double inf = std::numeric_limits<double>::infinity();
  double m[4] = {inf, inf, inf, inf};
  int64_t c = 0;
  for (; c + 4 <= k; c += 4) {
    for (int q = 0; q < 4; ++q) m[q] = s[c + q] < m[q] ? s[c + q] : m[q];
  }
  for (; c < k; ++c) m[0] = s[c] < m[0] ? s[c] : m[0];
  smallest = std::min(std::min(m[0], m[1]), std::min(m[2], m[3]));
  int64_t arg = 0;
  if (smallest < inf) {
    while (!(s[arg] == smallest)) ++arg;
  }
  return arg;
}

void tanh_in_place(float* v, int64_t n) {
  static const TanhKernel table[3] = {tanh_for(KernelIsa::Baseline), tanh_for(KernelIsa::Avx2),
                                      tanh_for(KernelIsa::Avx512)};
  table[static_cast<int>(kernel_isa())](v, n);
}

}  // namespace dynae
