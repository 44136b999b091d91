// cpu/vector_math.h's dot_rows for AVX2, compiled with -mavx2 and without
// -mfma: GCC's intrinsics are vector operators it may fuse into multiply-adds
// where FMA is enabled, and these sums must round each product apart, as the
// loop the compiler vectorises for the fused MLP's thin_dots does. Internal
// linkage apart from the entry; no header with inline code but the
// intrinsics' own (cpu/small_gemm_kernels.inc says why).
#include "cpu/vector_math.h"

#if defined(__AVX2__) && !defined(__FMA__)
#include <immintrin.h>

namespace {

// 8 rows at a time: each row's 8 lanes in one register, the 8 registers
// transposed (register m = lane m of the 8 rows), then the lanes added in
// order for all 8 rows at once (was: per row, 7 dependent scalar adds after
// extracting each lane).
inline __attribute__((always_inline)) void transpose8(__m256* r) {
  __m256 t[8], u[8];
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 2; ++i) {
    u[4 * i] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
    u[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
    u[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
    u[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
  }
  for (int i = 0; i < 4; ++i) {
    r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
    r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
  }
}

bool dot_rows_here(float* y, const float* a, const float* b, int64_t rows, int64_t n, int64_t K) {
  if (K <= 0 || K % 8 != 0) return false;
  int64_t r = 0;
  for (; r + 8 <= rows; r += 8) {
    for (int64_t j = 0; j < n; ++j) {
      const float* w = b + j * K;
      __m256 l[8];
      for (int i = 0; i < 8; ++i) l[i] = _mm256_setzero_ps();
      for (int64_t k = 0; k < K; k += 8) {
        const __m256 wk = _mm256_loadu_ps(w + k);
        for (int i = 0; i < 8; ++i) l[i] = _mm256_add_ps(l[i], _mm256_mul_ps(_mm256_loadu_ps(a + (r + i) * K + k), wk));
      }
      transpose8(l);
      __m256 s = _mm256_setzero_ps();
      for (int m = 0; m < 8; ++m) s = _mm256_add_ps(s, l[m]);
      alignas(32) float out[8];
      _mm256_store_ps(out, s);
      for (int i = 0; i < 8; ++i) y[(r + i) * n + j] = out[i];
    }
  }
  for (; r < rows; ++r) {  // the last rows one at a time, the same sums
    for (int64_t j = 0; j < n; ++j) {
      const float* w = b + j * K;
      __m256 l = _mm256_setzero_ps();
      for (int64_t k = 0; k < K; k += 8) l = _mm256_add_ps(l, _mm256_mul_ps(_mm256_loadu_ps(a + r * K + k), _mm256_loadu_ps(w + k)));
      alignas(32) float lanes[8];
      _mm256_store_ps(lanes, l);
      float sum = 0.0f;
      for (float v : lanes) sum += v;
      y[r * n + j] = sum;
    }
  }
  return true;
}

}  // namespace

namespace dynae {
DotRowsKernel dot_rows_kernel_avx2() { return &dot_rows_here; }
}  // namespace dynae

#else
namespace dynae {
DotRowsKernel dot_rows_kernel_avx2() { return nullptr; }
}  // namespace dynae
#endif
