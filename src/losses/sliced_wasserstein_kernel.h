#pragma once
// The sliced Wasserstein distance (METHOD.md "Losses", step 4) and its
// gradient in one pass over plain float buffers: the fused training path's
// version of losses/sliced_wasserstein.h (LibTorch autograd), tested to give
// the same value and gradient. Torch-free.
#include <cstdint>
#include <cstring>
#include <vector>

namespace dynae {

class ThreadTeam;

/// One team member's scratch for the sorts.
struct SlicedWassersteinColumns {
  std::vector<uint32_t> order;    // (n): a column's argsort
  std::vector<uint32_t> words;    // (2n): packed keys and rows, and the radix sort's buffer
  std::vector<float> sorted_a, sorted_b;  // (n) each
  std::vector<float> grad_column; // (n)
};

/// Scratch space reused across calls (no allocation per step).
struct SlicedWassersteinScratch {
  std::vector<float> projected;   // (L, n): both sets' projections, one direction per row
  std::vector<float> grad_proj;   // (L, n)
  std::vector<double> totals;     // (L): each direction's sum of squares
  std::vector<float> grad_halves; // (2, n, d): the gradient's sums over each half of the directions
  std::vector<SlicedWassersteinColumns> members;
};

/// Mean over n x L entries of (sorted a.w_l - sorted b.w_l)^2 for the n
/// samples a and b (n, d) and the L directions (L, d), all row-major. When
/// grad_a is not null it receives dSWD/da (n, d); b gets no gradient.
/// Accumulates in double. With a `team`, its members share the directions
/// (then the rows of the gradient); the result is the same bits for any
/// team size.
double sliced_wasserstein_fused(const float* a, const float* b, const float* directions, int64_t n, int64_t d,
                                int64_t L, float* grad_a, SlicedWassersteinScratch& scratch,
                                ThreadTeam* team = nullptr);

/// Maps a float to an unsigned integer of the same order (floats are sorted
/// as integers). Inline: the sorts call it per value.
inline uint32_t float_order_key(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

}  // namespace dynae
