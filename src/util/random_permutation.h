#pragma once
// Random orders over [0, n) that cost no memory: a keyed pseudo-random
// permutation evaluated at any position, and a small, fast generator for the
// resampling's own draws. Torch-free.
#include <cstdint>

namespace dynae {

/// The splitmix64 finaliser: a bijective 64-bit mix.
inline uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

/// splitmix64: 64 random bits per call; uniform integers by multiply-shift.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() { return mix64(state_++ * 0x9E3779B97F4A7C15ULL); }
  /// Uniform in [0, n), n >= 1 (Lemire's multiply-shift; bias below 2^-32 for n < 2^32).
  uint64_t below(uint64_t n) { return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64); }

 private:
  uint64_t state_;
};

/// A bijection of [0, n) chosen by `key`: a 4-round Feistel network on the
/// smallest even number of bits that covers n, cycle-walked back into range
/// (fewer than 4 rounds of walking on average). Position i of the order is
/// (*this)(i); O(1) time and memory, so an order over millions of items is
/// never stored.
class RandomPermutation {
 public:
  RandomPermutation() = default;
  RandomPermutation(uint64_t n, uint64_t key);
  uint64_t size() const { return n_; }
  uint64_t operator()(uint64_t i) const {
    uint64_t v = i;
    do v = encrypt(v);
    while (v >= n_);
    return v;
  }

 private:
  uint64_t encrypt(uint64_t v) const {
    uint64_t l = v >> half_, r = v & mask_;
    for (uint64_t k : keys_) {
      const uint64_t f = ((r ^ k) * 0x9E3779B97F4A7C15ULL) >> (64 - half_);
      const uint64_t t = l ^ f;
      l = r;
      r = t;
    }
    return (l << half_) | r;
  }
  uint64_t n_ = 0;
  int half_ = 1;
  uint64_t mask_ = 1;
  uint64_t keys_[4] = {0, 0, 0, 0};
};

}  // namespace dynae
