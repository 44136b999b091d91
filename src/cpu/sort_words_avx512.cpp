// cpu/sort_words.h's network for AVX-512F (compiled with -mavx512f on x86-64).
// A bitonic sort of P = 16 R words (n padded with 0xFFFFFFFF) in R zmm
// registers, every stage unrolled at compile time so that the registers are
// never spilled: 16-lane vectors, stages with distance j >= 16 are min/max
// between registers, j < 16 a lane shuffle, min/max and a blend within one.
// Everything has internal linkage and no header with inline code is
// included (cpu/small_gemm_kernels.inc says why).
#include "cpu/sort_words.h"

#if defined(__AVX512F__)
#include <immintrin.h>

namespace {

// Lanes whose index has bit b set, for b = 1, 2, 4, 8
constexpr __mmask16 lanes_with(int b) {
  return b == 1 ? 0xAAAA : b == 2 ? 0xCCCC : b == 4 ? 0xF0F0 : 0xFF00;
}

template <int J>
inline __attribute__((always_inline)) __m512i partner(__m512i v) {
  if constexpr (J == 1) return _mm512_shuffle_epi32(v, _MM_PERM_CDAB);
  if constexpr (J == 2) return _mm512_shuffle_epi32(v, _MM_PERM_BADC);
  if constexpr (J == 4) return _mm512_shuffle_i32x4(v, v, _MM_SHUFFLE(2, 3, 0, 1));
  return _mm512_shuffle_i32x4(v, v, _MM_SHUFFLE(1, 0, 3, 2));  // J == 8
}

// One compare-exchange stage at distance J of the merge building sorted runs
// of K: element g pairs with g ^ J; the upper one of a pair takes the max in
// an ascending run ((g & K) == 0) and the min in a descending one.
template <int R, int K, int J>
inline __attribute__((always_inline)) void stage(__m512i* v) {
  if constexpr (J >= 16) {
    constexpr int JR = J / 16;
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      if (r & JR) continue;
      const __m512i lo = _mm512_min_epu32(v[r], v[r + JR]), hi = _mm512_max_epu32(v[r], v[r + JR]);
      const bool ascending = ((16 * r) & K) == 0;
      v[r] = ascending ? lo : hi;
      v[r + JR] = ascending ? hi : lo;
    }
  } else {
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      const __m512i p = partner<J>(v[r]);
      const __m512i lo = _mm512_min_epu32(v[r], p), hi = _mm512_max_epu32(v[r], p);
      const __mmask16 descending = K < 16 ? lanes_with(K) : (((16 * r) & K) ? 0xFFFF : 0);
      v[r] = _mm512_mask_blend_epi32(static_cast<__mmask16>(lanes_with(J) ^ descending), lo, hi);
    }
  }
}

template <int R, int K, int J>
inline __attribute__((always_inline)) void merge(__m512i* v) {
  stage<R, K, J>(v);
  if constexpr (J > 1) merge<R, K, J / 2>(v);
}

template <int R, int K>
inline __attribute__((always_inline)) void build(__m512i* v) {
  merge<R, K, K / 2>(v);
  if constexpr (K < 16 * R) build<R, 2 * K>(v);
}

template <int R>
void sort_registers(uint32_t* w, int64_t n) {
  __m512i v[R];
  const __m512i pad = _mm512_set1_epi32(-1);
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
    const int64_t left = n - 16 * r;
    const __mmask16 m = left >= 16 ? 0xFFFF : left <= 0 ? 0 : static_cast<__mmask16>((1u << left) - 1);
    v[r] = _mm512_mask_loadu_epi32(pad, m, w + 16 * r);
  }
  build<R, 2>(v);
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
    const int64_t left = n - 16 * r;
    const __mmask16 m = left >= 16 ? 0xFFFF : left <= 0 ? 0 : static_cast<__mmask16>((1u << left) - 1);
    _mm512_mask_storeu_epi32(w + 16 * r, m, v[r]);
  }
}

}  // namespace

namespace dynae {

bool sort_words_avx512(uint32_t* w, int64_t n) {
  // (A word 0xFFFFFFFF ties with the padding, and equal words are the same
  // bits: the first n of the sorted P are still w sorted.)
  if (n <= 16) {
    sort_registers<1>(w, n);
  } else if (n <= 32) {
    sort_registers<2>(w, n);
  } else if (n <= 64) {
    sort_registers<4>(w, n);
  } else if (n <= 128) {
    sort_registers<8>(w, n);
  } else if (n <= 256) {
    sort_registers<16>(w, n);
  } else {
    return false;
  }
  return true;
}

}  // namespace dynae

#else
namespace dynae {
bool sort_words_avx512(uint32_t*, int64_t) { return false; }
}  // namespace dynae
#endif
