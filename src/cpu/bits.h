#pragma once
// Bit tricks for the one-bit-per-pair and one-byte-per-pair tables.
#include <cstdint>
#include <cstring>

namespace dynae {

/// Set bits of w. SWAR, not __builtin_popcountll: without -mpopcnt that is a
/// call into libgcc, and the portable build has no -mpopcnt.
inline int popcount64(uint64_t w) {
  w -= (w >> 1) & 0x5555555555555555ULL;
  w = (w & 0x3333333333333333ULL) + ((w >> 2) & 0x3333333333333333ULL);
  w = (w + (w >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
  return static_cast<int>((w * 0x0101010101010101ULL) >> 56);
}

/// Position of the r-th set bit (r counted from 0) of w; r < popcount64(w).
inline int select_bit(uint64_t w, int r) {
  int base = 0;
  for (int c = popcount64(w & 0xFF); r >= c; c = popcount64(w & 0xFF)) {
    r -= c;
    w >>= 8;
    base += 8;
  }
  for (; r > 0; --r) w &= w - 1;
  return base + __builtin_ctzll(w);
}

/// Bit j set when p[j] == value, for the 64 bytes from p. The compare is
/// vectorised by the compiler (GCC vector extensions, any ISA); each 8-byte
/// lane then holds distinct bits, whose byte sum (one multiply) is its mask.
inline uint64_t equal_bytes_mask(const uint8_t* p, uint8_t value) {
  typedef uint8_t Bytes64 __attribute__((vector_size(64)));
  static constexpr Bytes64 kWeights = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128,
                                       1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128,
                                       1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128,
                                       1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
  Bytes64 v;
  std::memcpy(&v, p, 64);
  const Bytes64 bits = (Bytes64)(v == value) & kWeights;  // NOLINT: vector cast
  uint64_t lanes[8];
  std::memcpy(lanes, &bits, 64);
  uint64_t mask = 0;
  for (int j = 0; j < 8; ++j) mask |= ((lanes[j] * 0x0101010101010101ULL) >> 56) << (8 * j);
  return mask;
}

}  // namespace dynae
