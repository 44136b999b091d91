#include "cpu/sort_words.h"

#include "cpu/small_gemm.h"

namespace dynae {

bool sort_small_words(uint32_t* w, int64_t n) {
  if (n < 2 || n > 256 || kernel_isa() != KernelIsa::Avx512) return false;
  return sort_words_avx512(w, n);
}

}  // namespace dynae
