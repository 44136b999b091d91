#include "losses/sliced_wasserstein.h"

#include "losses/sliced_wasserstein_kernel.h"

#include <boost/sort/pdqsort/pdqsort.hpp>

#include <cstring>
#include <utility>

namespace dynae {

void random_directions(at::Generator& gen, torch::Tensor& w, torch::Tensor& norms, torch::Tensor& out) {
  w.normal_(0.0, 1.0, gen);
  at::norm_out(norms, w, 2, {1}, /*keepdim=*/true);
  at::div_out(out, w, norms);
}

torch::Tensor random_directions(int64_t count, int64_t dim, at::Generator& gen,
                                const torch::TensorOptions& options) {
  torch::Tensor w = torch::empty({count, dim}, options), norms = torch::empty({count, 1}, options);
  torch::Tensor out = torch::empty({count, dim}, options);
  random_directions(gen, w, norms, out);
  return out;
}

namespace {

// IEEE-754 bits mapped to unsigned integers of the same order (float:
// float_order_key, shared with the fused kernel).
inline uint32_t order_key(float f) { return float_order_key(f); }

inline uint64_t order_key(double f) {
  uint64_t u;
  std::memcpy(&u, &f, sizeof u);
  return (u & 0x8000000000000000ull) ? ~u : (u | 0x8000000000000000ull);
}

}  // namespace

torch::Tensor argsort_columns(const torch::Tensor& p_in) {
  TORCH_CHECK(p_in.dim() == 2, "argsort_columns: expected (B, L), got ", p_in.sizes());
  TORCH_CHECK(p_in.size(0) < (int64_t{1} << 32), "argsort_columns: too many rows");
  // Rows of the transpose are the columns; contiguous for cache-friendly reads.
  const torch::Tensor p = p_in.detach().to(torch::kCPU).t().contiguous();
  const int64_t cols = p.size(0), n = p.size(1);
  torch::Tensor idx = torch::empty({cols, n}, torch::kLong);
  int64_t* out = idx.data_ptr<int64_t>();
  if (p.scalar_type() == torch::kFloat32) {
    std::vector<uint64_t> buf(static_cast<size_t>(n));
    const float* v = p.data_ptr<float>();
    for (int64_t c = 0; c < cols; ++c) {
      // Key in the high half, row in the low half: one integer compare per step.
      for (int64_t i = 0; i < n; ++i) buf[i] = (uint64_t{order_key(v[c * n + i])} << 32) | static_cast<uint32_t>(i);
      boost::sort::pdqsort_branchless(buf.begin(), buf.end());
      for (int64_t i = 0; i < n; ++i) out[c * n + i] = static_cast<int64_t>(buf[i] & 0xffffffffu);
    }
  } else {
    TORCH_CHECK(p.scalar_type() == torch::kFloat64, "argsort_columns: float32 or float64 expected");
    std::vector<std::pair<uint64_t, uint32_t>> buf(static_cast<size_t>(n));
    const double* v = p.data_ptr<double>();
    for (int64_t c = 0; c < cols; ++c) {
      for (int64_t i = 0; i < n; ++i) buf[i] = {order_key(v[c * n + i]), static_cast<uint32_t>(i)};
      boost::sort::pdqsort_branchless(buf.begin(), buf.end());
      for (int64_t i = 0; i < n; ++i) out[c * n + i] = buf[i].second;
    }
  }
  return idx.t().contiguous().to(p_in.device());
}

torch::Tensor sliced_wasserstein(const torch::Tensor& a, const torch::Tensor& b,
                                 const torch::Tensor& directions) {
  TORCH_CHECK(a.dim() == 2 && b.dim() == 2 && a.sizes() == b.sizes(),
              "sliced_wasserstein: both sample sets must be (B, d) of one shape, got ", a.sizes(), " and ",
              b.sizes());
  TORCH_CHECK(directions.dim() == 2 && directions.size(1) == a.size(1),
              "sliced_wasserstein: directions must be (L, ", a.size(1), "), got ", directions.sizes());
  const torch::Tensor dt = directions.t();
  const torch::Tensor qa = a.matmul(dt), qb = b.matmul(dt);
  // Sorted projections; gradients flow through gather (a permutation).
  const torch::Tensor pa = qa.gather(0, argsort_columns(qa));
  const torch::Tensor pb = qb.gather(0, argsort_columns(qb));
  return (pa - pb).pow(2).mean();
}

}  // namespace dynae
