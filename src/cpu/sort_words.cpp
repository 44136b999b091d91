#include "cpu/sort_words.h"

#include "cpu/small_gemm.h"

namespace dynae {

bool sort_small_words(uint32_t* w, int64_t n) {
  if (n < 2 || n > 256) return false;
  switch (kernel_isa()) {
    case KernelIsa::Avx512: return sort_words_avx512(w, n);
    case KernelIsa::Avx2: return sort_words_avx2(w, n);
    case KernelIsa::Baseline: break;
  }
  return false;
}

}  // namespace dynae
