#pragma once
// Word operations on one-byte-per-pair label tables (the resampling's
// members' lookup): the bit mask of the 64 bytes from p equal to k, and the
// set bits of a word. PortableBits runs anywhere; Avx2Bits compares 64 bytes
// in two AVX2 instructions and counts with popcnt, for code compiled with
// DYNAE_AVX2 (cpu/dispatch.h) and run where cpu_has_avx2().
#include <cstdint>

#include "cpu/bits.h"
#include "cpu/dispatch.h"

#ifdef DYNAE_HAS_AVX2_PATH
#include <immintrin.h>
#endif

namespace dynae {

struct PortableBits {
  static uint64_t equal(const uint8_t* p, uint8_t k) { return equal_bytes_mask(p, k); }
  static int count(uint64_t w) { return popcount64(w); }
};

#ifdef DYNAE_HAS_AVX2_PATH
struct Avx2Bits {
  DYNAE_AVX2 static uint64_t equal(const uint8_t* p, uint8_t k) {
    const __m256i v = _mm256_set1_epi8(static_cast<char>(k));
    const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
    return static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, v))) |
           static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, v)))) << 32;
  }
  DYNAE_AVX2 static int count(uint64_t w) { return static_cast<int>(_mm_popcnt_u64(w)); }
};
#endif

}  // namespace dynae
