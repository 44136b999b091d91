#include "util/random_permutation.h"

#include <stdexcept>

namespace dynae {

RandomPermutation::RandomPermutation(uint64_t n, uint64_t key) : n_(n) {
  if (n == 0) throw std::invalid_argument("RandomPermutation: empty range");
  half_ = 1;
  while (half_ < 31 && (uint64_t{1} << (2 * half_)) < n) ++half_;
  if ((uint64_t{1} << (2 * half_)) < n) throw std::invalid_argument("RandomPermutation: range above 2^62");
  mask_ = (uint64_t{1} << half_) - 1;
  for (int r = 0; r < 4; ++r) keys_[r] = mix64(key + 0x632BE59BD9B4E019ULL * static_cast<uint64_t>(r + 1));
}

}  // namespace dynae
