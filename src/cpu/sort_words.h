#pragma once
// Sorting a minibatch's column of 32-bit words (a 16-bit key above a 16-bit
// row, or a float's own order key: losses/sliced_wasserstein_kernel.cpp)
// with a bitonic sorting network held in vector registers (AVX-512 or AVX2):
// the sliced Wasserstein distance sorts 2 L columns of n = batch values per
// step, and at n <= 256 a network of
// vector min/max beats any scalar sort (no data-dependent branches or
// store-to-load chains). Exact: equal words are equal bits, so the result is the
// same as any other sort's. Torch-free.
#include <cstdint>

namespace dynae {

/// Sorts w[0 .. n) ascending in place and returns true when a vector network
/// applies here (the AVX-512 or AVX2 kernels are in use, cpu/small_gemm.h,
/// and 2 <= n <= 256); otherwise returns false and leaves w alone.
bool sort_small_words(uint32_t* w, int64_t n);

/// The AVX-512 and AVX2 networks (internal to the dispatch; false when not built).
bool sort_words_avx512(uint32_t* w, int64_t n);
bool sort_words_avx2(uint32_t* w, int64_t n);

}  // namespace dynae
