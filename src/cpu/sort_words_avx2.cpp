// cpu/sort_words.h's network for AVX2 (compiled with -mavx2 on x86-64): a
// bitonic sort of P = 8 R words (n padded with 0xFFFFFFFF) in R ymm
// registers, every compare-exchange unrolled at compile time (index
// sequences, so each blend's lane mask is an immediate): stages with
// distance j >= 8 are min/max between registers, j < 8 a lane shuffle,
// min/max and a blend within one. With 16 ymm registers, the halves of a
// network over more than 8 registers are sorted one after the other before
// their merge (sort_network), so that few registers spill. Everything has internal linkage and no header
// with inline code is included (cpu/small_gemm_kernels.inc says why).
#include "cpu/sort_words.h"

#if defined(__AVX2__)
#include <immintrin.h>

#include <utility>

namespace {

// Lanes whose index has bit b set, for b = 1, 2, 4
constexpr int lanes_with(int b) { return b == 1 ? 0xAA : b == 2 ? 0xCC : 0xF0; }

template <int J>
inline __attribute__((always_inline)) __m256i partner(__m256i v) {
  if constexpr (J == 1) return _mm256_shuffle_epi32(v, 0xB1);  // lanes (1 0 3 2) in each half
  if constexpr (J == 2) return _mm256_shuffle_epi32(v, 0x4E);  // lanes (2 3 0 1) in each half
  return _mm256_permute2x128_si256(v, v, 0x01);                // J == 4: the halves swapped
}

// Register r's part of the compare-exchange stage at distance J of the merge
// building sorted runs of K: element g pairs with g ^ J; the upper one of a
// pair takes the max in an ascending run ((g & K) == 0), the min in a
// descending one. v is the registers from number O on (r counts from there).
template <int K, int J, int O, int r>
inline __attribute__((always_inline)) void exchange(__m256i* v) {
  if constexpr (J >= 8) {
    constexpr int JR = J / 8;
    if constexpr ((r & JR) == 0) {
      const __m256i lo = _mm256_min_epu32(v[r], v[r + JR]), hi = _mm256_max_epu32(v[r], v[r + JR]);
      constexpr bool ascending = ((8 * (O + r)) & K) == 0;
      v[r] = ascending ? lo : hi;
      v[r + JR] = ascending ? hi : lo;
    }
  } else {
    const __m256i p = partner<J>(v[r]);
    const __m256i lo = _mm256_min_epu32(v[r], p), hi = _mm256_max_epu32(v[r], p);
    constexpr int descending = K < 8 ? lanes_with(K) : (((8 * (O + r)) & K) ? 0xFF : 0);
    v[r] = _mm256_blend_epi32(lo, hi, (lanes_with(J) ^ descending) & 0xFF);
  }
}

template <int K, int J, int O, int... rs>
inline __attribute__((always_inline)) void stage(__m256i* v, std::integer_sequence<int, rs...>) {
  (exchange<K, J, O, rs>(v), ...);
}

// The merges of runs of K .. up to 8 R words over R registers (numbered from O)
template <int R, int K, int J, int O>
inline __attribute__((always_inline)) void merge(__m256i* v) {
  stage<K, J, O>(v + O, std::make_integer_sequence<int, R>{});
  if constexpr (J > 1) merge<R, K, J / 2, O>(v);
}

template <int R, int K, int O = 0>
inline __attribute__((always_inline)) void build(__m256i* v) {
  merge<R, K, K / 2, O>(v);
  if constexpr (K < 8 * R) build<R, 2 * K, O>(v);
}

// Runs of 8 words in 8 registers from the first: each lane's column sorted
// across the registers (the 19 compare-exchanges of an optimal 8-input
// network, min/max only), the 8 x 8 block transposed (each register now one
// sorted column), and the odd registers reversed, so that the runs alternate
// ascending and descending as the bitonic merges of 16 and more expect.
// About a third of the work of the first three merge levels within registers.
inline __attribute__((always_inline)) void exchange_registers(__m256i& a, __m256i& b) {
  const __m256i lo = _mm256_min_epu32(a, b);
  b = _mm256_max_epu32(a, b);
  a = lo;
}

inline __attribute__((always_inline)) void runs_of_eight(__m256i* v) {
  constexpr int pairs[19][2] = {{0, 2}, {1, 3}, {4, 6}, {5, 7}, {0, 4}, {1, 5}, {2, 6}, {3, 7}, {0, 1}, {2, 3},
                                {4, 5}, {6, 7}, {2, 4}, {3, 5}, {1, 4}, {3, 6}, {1, 2}, {3, 4}, {5, 6}};
#pragma GCC unroll 19
  for (int p = 0; p < 19; ++p) exchange_registers(v[pairs[p][0]], v[pairs[p][1]]);
  // 8 x 8 transpose of 32-bit lanes
  __m256i t[8], u[8];
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm256_unpacklo_epi32(v[2 * i], v[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_epi32(v[2 * i], v[2 * i + 1]);
  }
#pragma GCC unroll 2
  for (int i = 0; i < 2; ++i) {
    u[4 * i] = _mm256_unpacklo_epi64(t[4 * i], t[4 * i + 2]);
    u[4 * i + 1] = _mm256_unpackhi_epi64(t[4 * i], t[4 * i + 2]);
    u[4 * i + 2] = _mm256_unpacklo_epi64(t[4 * i + 1], t[4 * i + 3]);
    u[4 * i + 3] = _mm256_unpackhi_epi64(t[4 * i + 1], t[4 * i + 3]);
  }
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
    v[i] = _mm256_permute2x128_si256(u[i], u[i + 4], 0x20);
    v[i + 4] = _mm256_permute2x128_si256(u[i], u[i + 4], 0x31);
  }
  const __m256i reverse = _mm256_setr_epi32(7, 6, 5, 4, 3, 2, 1, 0);
#pragma GCC unroll 4
  for (int i = 1; i < 8; i += 2) v[i] = _mm256_permutevar8x32_epi32(v[i], reverse);
}

// The whole network over R registers from O, its independent parts
// reordered: past 8 registers, each half is sorted on its own (at most 8
// registers live at a time, few spills, where every stage over all R would
// spill most of them), then the halves' merge
template <int R, int O>
inline __attribute__((always_inline)) void sort_network(__m256i* v) {
  if constexpr (R > 8) {
    sort_network<R / 2, O>(v);
    sort_network<R / 2, O + R / 2>(v);
    merge<R, 8 * R, 4 * R, O>(v);
  } else if constexpr (R == 8) {
    runs_of_eight(v + O);
    build<R, 16, O>(v);
  } else {
    build<R, 2, O>(v);
  }
}

template <int R>
void sort_registers(uint32_t* w, int64_t n) {
  alignas(32) uint32_t buf[8 * R];
  for (int64_t i = 0; i < n; ++i) buf[i] = w[i];
  for (int64_t i = n; i < 8 * R; ++i) buf[i] = 0xFFFFFFFFu;
  __m256i v[R];
  for (int r = 0; r < R; ++r) v[r] = _mm256_load_si256(reinterpret_cast<const __m256i*>(buf + 8 * r));
  sort_network<R, 0>(v);
  for (int r = 0; r < R; ++r) _mm256_store_si256(reinterpret_cast<__m256i*>(buf + 8 * r), v[r]);
  for (int64_t i = 0; i < n; ++i) w[i] = buf[i];
}

}  // namespace

namespace dynae {

bool sort_words_avx2(uint32_t* w, int64_t n) {
  // (A word 0xFFFFFFFF ties with the padding, and equal words are the same
  // bits: the first n of the sorted P are still w sorted.)
  if (n <= 8) {
    sort_registers<1>(w, n);
  } else if (n <= 16) {
    sort_registers<2>(w, n);
  } else if (n <= 32) {
    sort_registers<4>(w, n);
  } else if (n <= 64) {
    sort_registers<8>(w, n);
  } else if (n <= 128) {
    sort_registers<16>(w, n);
  } else if (n <= 256) {
    sort_registers<32>(w, n);
  } else {
    return false;
  }
  return true;
}

}  // namespace dynae

#else
namespace dynae {
bool sort_words_avx2(uint32_t*, int64_t) { return false; }
}  // namespace dynae
#endif
