#include "dynae/analysis/metrics.h"

#include <cmath>

#include "data/tensor_convert.h"
#include "dynae/data/trajectory_set.h"
#include "dynae/errors.h"

namespace dynae {
namespace {

torch::Tensor centred(const Array& a) {
  const torch::Tensor t = to_tensor(a, torch::kFloat64);
  return t - t.mean(0, /*keepdim=*/true);
}

torch::Tensor pad_columns(const torch::Tensor& t, int64_t cols) {
  if (t.size(1) == cols) return t;
  return torch::cat({t, torch::zeros({t.size(0), cols - t.size(1)}, t.options())}, 1);
}

}  // namespace

std::vector<double> step_variance(const Array& z, const std::vector<int64_t>& lengths) {
  if (z.rank() != 2) throw DataError("step_variance: expected (T, d), got " + z.shape_string());
  std::vector<int64_t> ls = lengths.empty() ? std::vector<int64_t>{z.frames()} : lengths;
  const torch::Tensor t = to_tensor(z, torch::kFloat64);
  std::vector<torch::Tensor> steps;
  int64_t off = 0;
  for (int64_t l : ls) {
    if (l > 1) steps.push_back(t.slice(0, off + 1, off + l) - t.slice(0, off, off + l - 1));
    off += l;
  }
  if (off != z.frames()) {
    throw DataError("step_variance: trajectory lengths add up to " + std::to_string(off) + " frames, the latent has " +
                    std::to_string(z.frames()));
  }
  std::vector<double> out(static_cast<size_t>(z.shape[1]), 0.0);
  if (steps.empty()) return out;
  const torch::Tensor v = torch::cat(steps).var(0, /*unbiased=*/false);
  for (int64_t i = 0; i < z.shape[1]; ++i) out[i] = v[i].item<double>();
  return out;
}

IdentifiabilityMetrics compare_latents(const Array& truth, const Array& latent, const std::vector<int64_t>& lengths) {
  if (truth.rank() != 2) throw DataError("truth: expected a 2-D array (T, k), got " + truth.shape_string());
  if (latent.rank() != 2) throw DataError("latent: expected a 2-D array (T, d), got " + latent.shape_string());
  if (truth.frames() != latent.frames()) {
    throw DataError("truth has " + std::to_string(truth.frames()) + " frames but the latent has " +
                    std::to_string(latent.frames()) + "; they must match frame for frame");
  }
  if (truth.frames() < 3) throw DataError("need at least 3 frames to compare, got " + std::to_string(truth.frames()));
  check_finite(truth, "truth");
  check_finite(latent, "latent");

  const torch::Tensor x = centred(truth);
  const torch::Tensor z = centred(latent);
  const double zz = z.pow(2).sum().item<double>();
  const double xx = x.pow(2).sum().item<double>();
  if (zz <= 0 || xx <= 0) throw DataError("a constant array cannot be compared (zero variance)");

  IdentifiabilityMetrics m;
  // Least-squares linear map truth -> latent.
  const torch::Tensor b = torch::linalg_pinv(x.t().mm(x)).mm(x.t().mm(z));
  m.r2 = 1.0 - (z - x.mm(b)).pow(2).sum().item<double>() / zz;
  const torch::Tensor sv = torch::linalg_svdvals(b);
  const double smax = sv.max().item<double>(), smin = sv.min().item<double>();
  m.anisotropy = smin > 0 ? smax / smin : INFINITY;
  m.scale = std::exp(sv.log().mean().item<double>());

  // Similarity Procrustes: min over orthogonal Q and scale c of ||Z - c X Q||^2 / ||Z||^2
  // = 1 - (sum of singular values of Xn^T Zn)^2 with unit-norm Xn, Zn.
  const int64_t cols = std::max(x.size(1), z.size(1));
  const torch::Tensor xn = pad_columns(x, cols) / std::sqrt(xx);
  const torch::Tensor zn = pad_columns(z, cols) / std::sqrt(zz);
  const double nuclear = torch::linalg_svdvals(xn.t().mm(zn)).sum().item<double>();
  m.disparity = std::max(0.0, 1.0 - nuclear * nuclear);

  m.step_variance = step_variance(latent, lengths);
  m.truth_step_variance = step_variance(truth, lengths);
  return m;
}

}  // namespace dynae
