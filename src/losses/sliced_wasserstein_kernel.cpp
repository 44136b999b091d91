#include "losses/sliced_wasserstein_kernel.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace dynae {

uint32_t float_order_key(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

namespace {

// Sorts the n values v ascending into `sorted` and, when `order` is not
// null, writes their argsort (ties in index order) into it. A bucket sort:
// values are spread over 4n buckets by a monotone map of their range,
// scattered stably with their row, and one insertion pass orders each
// bucket's few members. Exact, and for the n = 256 columns of a minibatch
// several times faster than a comparison sort, whose branches on fresh data
// mispredict (Boost's spreadsort falls back to std::sort at these sizes).
// Non-finite values take a comparison sort in float_order_key order.
void bucket_sort(const float* v, int64_t n, float* sorted, uint32_t* order, SlicedWassersteinScratch& s) {
  float lo = v[0], hi = v[0];
  for (int64_t i = 0; i < n; ++i) {
    lo = std::min(lo, v[i]);
    hi = std::max(hi, v[i]);
  }
  const bool finite = std::isfinite(lo) && std::isfinite(hi) && !std::isnan(v[0]);
  if (!finite || !(hi > lo)) {  // (a NaN anywhere makes the comparisons false, caught below)
    std::vector<uint32_t>& idx = s.bucket;
    idx.resize(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) idx[i] = static_cast<uint32_t>(i);
    std::stable_sort(idx.begin(), idx.begin() + n,
                     [v](uint32_t a, uint32_t b) { return float_order_key(v[a]) < float_order_key(v[b]); });
    for (int64_t j = 0; j < n; ++j) {
      sorted[j] = v[idx[j]];
      if (order) order[j] = idx[j];
    }
    return;
  }
  const int64_t buckets = 4 * n;
  const float scale = static_cast<float>(buckets - 1) / (hi - lo);
  s.count.assign(static_cast<size_t>(buckets + 1), 0u);
  s.bucket.resize(static_cast<size_t>(n));
  uint32_t* count = s.count.data();
  uint32_t* bucket = s.bucket.data();
  for (int64_t i = 0; i < n; ++i) {  // fl(v - lo) and fl(. * scale) are monotone in v
    const int64_t b = std::min<int64_t>(static_cast<int64_t>((v[i] - lo) * scale), buckets - 1);
    bucket[i] = static_cast<uint32_t>(b);
    ++count[b + 1];
  }
  for (int64_t b = 1; b <= buckets; ++b) count[b] += count[b - 1];
  if (!order) {
    for (int64_t i = 0; i < n; ++i) sorted[count[bucket[i]]++] = v[i];
    for (int64_t j = 1; j < n; ++j) {  // only members of one bucket can be out of order
      const float x = sorted[j];
      int64_t k = j;
      for (; k > 0 && sorted[k - 1] > x; --k) sorted[k] = sorted[k - 1];
      sorted[k] = x;
    }
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t p = count[bucket[i]]++;
    sorted[p] = v[i];
    order[p] = static_cast<uint32_t>(i);
  }
  for (int64_t j = 1; j < n; ++j) {
    const float x = sorted[j];
    const uint32_t r = order[j];
    int64_t k = j;
    for (; k > 0 && sorted[k - 1] > x; --k) {
      sorted[k] = sorted[k - 1];
      order[k] = order[k - 1];
    }
    sorted[k] = x;
    order[k] = r;
  }
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
                                int64_t L, float* grad_a, SlicedWassersteinScratch& s) {
  const size_t nl = static_cast<size_t>(n * L);
  if (s.projected.size() < 2 * nl) s.projected.resize(2 * nl);
  if (s.order.size() < static_cast<size_t>(n)) s.order.resize(static_cast<size_t>(n));
  if (s.sorted_b.size() < static_cast<size_t>(n)) s.sorted_b.resize(static_cast<size_t>(n));
  if (s.sorted_a.size() < static_cast<size_t>(n)) s.sorted_a.resize(static_cast<size_t>(n));
  if (grad_a && s.grad_proj.size() < nl) s.grad_proj.resize(nl);
  float* pa = s.projected.data();
  float* pb = pa + nl;
  project(a, directions, n, d, L, pa);
  project(b, directions, n, d, L, pb);
  uint32_t* order = s.order.data();
  const double scale = 1.0 / static_cast<double>(n * L);
  double total = 0.0;
  float* sa = s.sorted_a.data();
  float* sb = s.sorted_b.data();
  for (int64_t l = 0; l < L; ++l) {
    bucket_sort(pb + l * n, n, sb, nullptr, s);
    bucket_sort(pa + l * n, n, sa, order, s);
    float* gl = grad_a ? s.grad_proj.data() + l * n : nullptr;
    for (int64_t j = 0; j < n; ++j) {
      const double diff = static_cast<double>(sa[j]) - static_cast<double>(sb[j]);
      total += diff * diff;
      if (gl) gl[order[j]] = static_cast<float>(2.0 * diff * scale);
    }
  }
  if (grad_a) {  // dSWD/da_ik = sum_l dSWD/dp_li w_lk, one contiguous column k at a time
    if (s.grad_column.size() < static_cast<size_t>(n)) s.grad_column.resize(static_cast<size_t>(n));
    float* gk = s.grad_column.data();
    for (int64_t k = 0; k < d; ++k) {
      for (int64_t i = 0; i < n; ++i) gk[i] = 0.0f;
      for (int64_t l = 0; l < L; ++l) {
        const float w = directions[l * d + k];
        const float* gl = s.grad_proj.data() + l * n;
        for (int64_t i = 0; i < n; ++i) gk[i] += gl[i] * w;
      }
      for (int64_t i = 0; i < n; ++i) grad_a[i * d + k] = gk[i];
    }
  }
  return total * scale;
}

}  // namespace dynae
