#include "losses/sliced_wasserstein_kernel.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "cpu/dispatch.h"
#include "cpu/phase_clock.h"
#include "cpu/sort_words.h"
#include "cpu/thread_team.h"

namespace dynae {

namespace {

// The float whose float_order_key is k
float float_of_order_key(uint32_t k) {
  const uint32_t u = (k & 0x80000000u) ? (k & 0x7FFFFFFFu) : ~k;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

// Sorts the n values v ascending into `sorted` and, when `order` is not
// null, writes their argsort (ties in index order) into it. Exact, and for
// the n = 256 columns of a minibatch 3-4x faster than a comparison sort,
// whose branches on fresh data mispredict (Boost's spreadsort falls back to
// std::sort at these sizes):
//  1. each value is mapped to a 16-bit key by a monotone map of the range,
//     fl((v - lo) * scale), packed above its row (n <= 65536);
//  2. those 32-bit words (distinct: the row is in them) are sorted, which
//     orders the keys stably: by a bitonic network in vector registers
//     where the AVX2 or AVX-512 kernels are in use and n <= 256
//     (cpu/sort_words.h, 2-3x faster), else by a two-pass (byte) LSD radix
//     sort;
//  3. one insertion pass over the exact values reorders the rare values that
//     shared a key (almost never moves anything: predictable branches).
// Infinite values, a NaN as the first value, or n > 65536 take a comparison
// sort in float_order_key order; any other NaN gets key 0, is sorted
// somewhere and reaches the sum, which is then NaN (training stops clearly).
DYNAE_CPU_CLONES void sort_column(const float* v, int64_t n, float* sorted, uint32_t* order,
                                  SlicedWassersteinColumns& s) {
  // Range, over 8 independent lanes (one running min/max is a latency chain)
  float lo8[8], hi8[8];
  for (int k = 0; k < 8; ++k) lo8[k] = hi8[k] = v[0];
  int64_t i8 = 0;
  for (; i8 + 8 <= n; i8 += 8) {
    for (int k = 0; k < 8; ++k) {
      lo8[k] = v[i8 + k] < lo8[k] ? v[i8 + k] : lo8[k];
      hi8[k] = v[i8 + k] > hi8[k] ? v[i8 + k] : hi8[k];
    }
  }
  for (; i8 < n; ++i8) {
    lo8[0] = std::min(lo8[0], v[i8]);
    hi8[0] = std::max(hi8[0], v[i8]);
  }
  float lo = lo8[0], hi = hi8[0];
  for (int k = 1; k < 8; ++k) {
    lo = std::min(lo, lo8[k]);
    hi = std::max(hi, hi8[k]);
  }
  s.words.resize(static_cast<size_t>(2 * n));
  uint32_t* w = s.words.data();
  const bool finite = std::isfinite(lo) && std::isfinite(hi) && !std::isnan(v[0]);
  if (!finite || !(hi > lo) || n > 65536) {  // (a NaN anywhere makes min/max miss it; v[0] or the sums catch it)
    for (int64_t i = 0; i < n; ++i) w[i] = static_cast<uint32_t>(i);
    std::stable_sort(w, w + n, [v](uint32_t a, uint32_t b) { return float_order_key(v[a]) < float_order_key(v[b]); });
    for (int64_t j = 0; j < n; ++j) {
      sorted[j] = v[w[j]];
      if (order) order[j] = w[j];
    }
    return;
  }
  const float scale = 65535.0f / (hi - lo);
  for (int64_t i = 0; i < n; ++i) {  // fl(v - lo) and fl(. * scale) are monotone in v
    float t = (v[i] - lo) * scale;
    t = t > 0.0f ? t : 0.0f;  // (a NaN maps to 0 and reaches the sum, which is then NaN)
    t = t < 65535.0f ? t : 65535.0f;
    const uint32_t q = static_cast<uint32_t>(t);
    w[i] = (q << 16) | static_cast<uint32_t>(i);
  }
  // The words are distinct: a sorting network in vector registers where one
  // applies (cpu/sort_words.h), else the radix sort; the same order either way
  if (!sort_small_words(w, n)) {
    uint32_t count[2][256];
    std::memset(count, 0, sizeof count);
    for (int64_t i = 0; i < n; ++i) {
      ++count[0][(w[i] >> 16) & 0xff];
      ++count[1][w[i] >> 24];
    }
    uint32_t* src = w;
    uint32_t* dst = w + n;
    for (int pass = 0; pass < 2; ++pass) {
      uint32_t* c = count[pass];
      uint32_t sum = 0;
      for (int b = 0; b < 256; ++b) {
        const uint32_t k = c[b];
        c[b] = sum;
        sum += k;
      }
      const int shift = 16 + 8 * pass;
      for (int64_t i = 0; i < n; ++i) dst[c[(src[i] >> shift) & 0xff]++] = src[i];
      std::swap(src, dst);
    }
  }
  // src == w again (two passes)
  for (int64_t j = 0; j < n; ++j) {
    const uint32_t row = w[j] & 0xffffu;
    sorted[j] = v[row];
    if (order) order[j] = row;
  }
  for (int64_t j = 1; j < n; ++j) {  // only values that shared a key can be out of order
    if (!(sorted[j - 1] > sorted[j])) continue;
    const float x = sorted[j];
    const uint32_t r = order ? order[j] : 0;
    int64_t k = j;
    for (; k > 0 && sorted[k - 1] > x; --k) {
      sorted[k] = sorted[k - 1];
      if (order) order[k] = order[k - 1];
    }
    sorted[k] = x;
    if (order) order[k] = r;
  }
}

// The n values v sorted ascending into `sorted`, without their order: where
// a vector network applies (cpu/sort_words.h), the values' own 32-bit order
// keys are sorted (exact: no range, no 16-bit keys and no insertion pass; a
// NaN or infinity sorts to an end and reaches the sum); else sort_column.
// The same sorted values either way (equal keys are equal bits).
DYNAE_CPU_CLONES void sort_values(const float* v, int64_t n, float* sorted, SlicedWassersteinColumns& s) {
  s.words.resize(static_cast<size_t>(2 * n));
  uint32_t* w = s.words.data();
  for (int64_t i = 0; i < n; ++i) w[i] = float_order_key(v[i]);
  if (!sort_small_words(w, n)) {
    sort_column(v, n, sorted, nullptr, s);
    return;
  }
  for (int64_t j = 0; j < n; ++j) sorted[j] = float_of_order_key(w[j]);
}

// p[l * n + i] = x_i . w_l
void project(const float* x, const float* w, int64_t n, int64_t d, int64_t L, float* p) {
  for (int64_t l = 0; l < L; ++l) {
    const float* wl = w + l * d;
    float* pl = p + l * n;
    if (d == 2) {
      const float w0 = wl[0], w1 = wl[1];
      for (int64_t i = 0; i < n; ++i) pl[i] = x[2 * i] * w0 + x[2 * i + 1] * w1;
    } else {
      for (int64_t i = 0; i < n; ++i) {
        float s = 0.0f;
        for (int64_t k = 0; k < d; ++k) s += x[i * d + k] * wl[k];
        pl[i] = s;
      }
    }
  }
}

}  // namespace

double sliced_wasserstein_fused(const float* a, const float* b, const float* directions, int64_t n, int64_t d,
                                int64_t L, float* grad_a, SlicedWassersteinScratch& s, ThreadTeam* team) {
  const size_t nl = static_cast<size_t>(n * L);
  const int members = team ? team->size() : 1;
  if (s.projected.size() < 2 * nl) s.projected.resize(2 * nl);
  if (grad_a && s.grad_proj.size() < nl) s.grad_proj.resize(nl);
  if (s.totals.size() < static_cast<size_t>(L)) s.totals.resize(static_cast<size_t>(L));
  if (static_cast<int>(s.members.size()) < members) s.members.resize(static_cast<size_t>(members));
  for (int t = 0; t < members; ++t) {
    SlicedWassersteinColumns& c = s.members[static_cast<size_t>(t)];
    for (auto* v : {&c.sorted_a, &c.sorted_b, &c.grad_column}) {
      if (v->size() < static_cast<size_t>(n)) v->resize(static_cast<size_t>(n));
    }
    if (c.order.size() < static_cast<size_t>(n)) c.order.resize(static_cast<size_t>(n));
  }
  float* pa = s.projected.data();
  float* pb = pa + nl;
  const double scale = 1.0 / static_cast<double>(n * L);
  const float g_scale = static_cast<float>(2.0 * scale);

  // Directions l0 .. l1 - 1: projections, sorts, sums of squares, dSWD/dp
  auto directions_part = [&](int64_t l0, int64_t l1, SlicedWassersteinColumns& c) {
    project(a, directions + l0 * d, n, d, l1 - l0, pa + l0 * n);
    project(b, directions + l0 * d, n, d, l1 - l0, pb + l0 * n);
    uint32_t* order = c.order.data();
    float* sa = c.sorted_a.data();
    float* sb = c.sorted_b.data();
    for (int64_t l = l0; l < l1; ++l) {
      {
        const PhaseScope sorting(Phase::sorts);
        sort_values(pb + l * n, n, sb, c);
        if (grad_a) {  // the order only for the gradient
          sort_column(pa + l * n, n, sa, order, c);
        } else {
          sort_values(pa + l * n, n, sa, c);
        }
      }
      // Sum of squares over 8 float lanes (vectorisable), added up in double
      float lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      int64_t j = 0;
      for (; j + 8 <= n; j += 8) {
        for (int k = 0; k < 8; ++k) {
          const float diff = sa[j + k] - sb[j + k];
          lanes[k] += diff * diff;
        }
      }
      for (; j < n; ++j) lanes[0] += (sa[j] - sb[j]) * (sa[j] - sb[j]);
      double total = 0.0;
      for (float v : lanes) total += v;
      s.totals[static_cast<size_t>(l)] = total;
      if (grad_a) {
        float* gl = s.grad_proj.data() + l * n;
        for (int64_t m = 0; m < n; ++m) gl[order[m]] = g_scale * (sa[m] - sb[m]);
      }
    }
  };
  // dSWD/da_ik = sum_l dSWD/dp_li w_lk, summed over the two halves of the
  // directions apart and then added: with two members each half's sum stays
  // on the core that made its dSWD/dp (moving those across costs more than
  // the sum), and every team size adds the same numbers in the same order.
  // part(i, k) = sum over l0 .. l1 - 1 for rows i0 .. i1 - 1, one contiguous
  // column k at a time.
  const int64_t half = L / 2;
  if (grad_a && s.grad_halves.size() < static_cast<size_t>(2 * n * d)) {
    s.grad_halves.resize(static_cast<size_t>(2 * n * d));
  }
  float* halves[2] = {s.grad_halves.data(), s.grad_halves.data() + n * d};
  auto gradient_part = [&](int64_t i0, int64_t i1, int64_t l0, int64_t l1, float* part,
                           SlicedWassersteinColumns& c) {
    float* gk = c.grad_column.data();
    for (int64_t k = 0; k < d; ++k) {
      for (int64_t i = i0; i < i1; ++i) gk[i] = 0.0f;
      for (int64_t l = l0; l < l1; ++l) {
        const float w = directions[l * d + k];
        const float* gl = s.grad_proj.data() + l * n;
        for (int64_t i = i0; i < i1; ++i) gk[i] += gl[i] * w;
      }
      for (int64_t i = i0; i < i1; ++i) part[i * d + k] = gk[i];
    }
  };
  auto add_halves = [&](int64_t i0, int64_t i1) {
    for (int64_t j = i0 * d; j < i1 * d; ++j) grad_a[j] = halves[0][j] + halves[1][j];
  };
  if (members == 1) {
    directions_part(0, L, s.members[0]);
    if (grad_a) {
      gradient_part(0, n, 0, half, halves[0], s.members[0]);
      gradient_part(0, n, half, L, halves[1], s.members[0]);
      add_halves(0, n);
    }
  } else if (members == 2) {  // member t: directions and gradient of half t
    team->run([&](int t) {
      const auto [l0, l1] = team->share(L, t);
      directions_part(l0, l1, s.members[static_cast<size_t>(t)]);
      if (grad_a) gradient_part(0, n, l0, l1, halves[t], s.members[static_cast<size_t>(t)]);
    });
    if (grad_a) add_halves(0, n);
  } else {
    team->run([&](int t) {
      const auto [l0, l1] = team->share(L, t);
      directions_part(l0, l1, s.members[static_cast<size_t>(t)]);
    });
    if (grad_a) {
      team->run([&](int t) {
        const auto [i0, i1] = team->share(n, t);
        gradient_part(i0, i1, 0, half, halves[0], s.members[static_cast<size_t>(t)]);
        gradient_part(i0, i1, half, L, halves[1], s.members[static_cast<size_t>(t)]);
        add_halves(i0, i1);
      });
    }
  }
  double total = 0.0;
  for (int64_t l = 0; l < L; ++l) total += s.totals[static_cast<size_t>(l)];
  return total * scale;
}

}  // namespace dynae
