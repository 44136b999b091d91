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

bool no_dot_rows(float*, const float*, const float*, int64_t, int64_t, int64_t) { return false; }

struct Kernels {
  TanhKernel tanh;
  DotRowsKernel dot_rows;
};

Kernels kernels_for(KernelIsa isa) {
  Kernels k{&tanh_baseline, &no_dot_rows};
  if (isa == KernelIsa::Baseline) return k;
  if (TanhKernel t = isa == KernelIsa::Avx512 ? tanh_kernel_avx512() : tanh_kernel_avx2()) k.tanh = t;
  if (DotRowsKernel d = dot_rows_kernel_avx2()) k.dot_rows = d;
  return k;
}

const Kernels& active() {
  static const Kernels table[3] = {kernels_for(KernelIsa::Baseline), kernels_for(KernelIsa::Avx2),
                                   kernels_for(KernelIsa::Avx512)};
  return table[static_cast<int>(kernel_isa())];
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

void tanh_in_place(float* v, int64_t n) { active().tanh(v, n); }

bool dot_rows(float* y, const float* a, const float* b, int64_t rows, int64_t n, int64_t K) {
  return active().dot_rows(y, a, b, rows, n, K);
}

}  // namespace dynae
