#include "models/latent_diffusion.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "data/tensor_convert.h"
#include "priors/langevin_prior.h"

namespace dynae {

bool moves_with_latent_diffusion(const LangevinPriorImpl& prior, LatentDynamics dynamics) {
  return dynamics == LatentDynamics::Langevin && !prior.learns_diffusion() && !prior.conservative() &&
         prior.substeps() == 1;
}

Array measure_latent_diffusion(LangevinPriorImpl& prior, const float* z0, const float* z1, int64_t n, int64_t d,
                               const std::vector<double>& weights) {
  if (n < 1) return {};
  torch::NoGradGuard no_grad;
  torch::Tensor moment = torch::zeros({d, d}, torch::kFloat64);
  double total = 0;
  constexpr int64_t kChunk = 16384;
  for (int64_t a = 0; a < n; a += kChunk) {
    const int64_t m = std::min(kChunk, n - a);
    const torch::Tensor x0 = torch::from_blob(const_cast<float*>(z0) + a * d, {m, d}, torch::kFloat32);
    const torch::Tensor x1 = torch::from_blob(const_cast<float*>(z1) + a * d, {m, d}, torch::kFloat32);
    const torch::Tensor r = (x1 - x0 - prior.force(x0)).to(torch::kFloat64);
    if (weights.empty()) {
      moment += torch::matmul(r.transpose(0, 1), r);
      total += static_cast<double>(m);
    } else {
      const torch::Tensor w =
          torch::from_blob(const_cast<double*>(weights.data()) + a, {m, 1}, torch::kFloat64);
      moment += torch::matmul(r.transpose(0, 1), r * w);
      total += w.sum().item<double>();
    }
  }
  if (!(total > 0)) return {};
  Array out = to_array(moment / (2.0 * total));
  for (int64_t i = 0; i < d; ++i) {  // exactly symmetric
    for (int64_t j = 0; j < i; ++j) out.data[i * d + j] = out.data[j * d + i];
  }
  return valid_latent_diffusion(out) ? out : Array();
}

bool valid_latent_diffusion(const Array& a) {
  if (a.shape.size() != 2 || a.shape[0] != a.shape[1] || a.shape[0] < 1) return false;
  const int64_t d = a.shape[0];
  double largest = 0;
  for (double v : a.data) {
    if (!std::isfinite(v)) return false;
    largest = std::max(largest, std::fabs(v));
  }
  for (int64_t i = 0; i < d; ++i) {
    for (int64_t j = 0; j < i; ++j) {
      if (std::fabs(a.data[i * d + j] - a.data[j * d + i]) > 1e-9 * largest) return false;
    }
  }
  const torch::Tensor eig = torch::linalg_eigvalsh(to_tensor(a, torch::kFloat64));
  return eig.min().item<double>() > 1e-6 * eig.max().item<double>();
}

double mean_diagonal(const Array& a) {
  double s = 0;
  for (int64_t i = 0; i < a.shape[0]; ++i) s += a.at(i, i);
  return s / static_cast<double>(a.shape[0]);
}

}  // namespace dynae
