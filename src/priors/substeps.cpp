#include "priors/substeps.h"

#include <algorithm>
#include <cmath>

#include <ATen/CPUGeneratorImpl.h>

namespace dynae {

torch::Tensor relaxation_rates(LangevinPriorImpl& prior, const torch::Tensor& z) {
  torch::AutoGradMode grad(true);
  const int64_t d = z.size(1);
  const auto dtype = prior.drift_net()->layers().front()->weight.scalar_type();
  const torch::Tensor zz = z.detach().to(dtype).contiguous().requires_grad_(true);
  const torch::Tensor f = prior.force(zz);
  // Rows are independent: d(sum_n f[n, i]) / dz[n, :] is row n's i-th Jacobian row.
  std::vector<torch::Tensor> rows;
  for (int64_t i = 0; i < d; ++i) {
    rows.push_back(torch::autograd::grad({f.select(1, i).sum()}, {zz}, {}, /*retain_graph=*/true)[0]);
  }
  const torch::Tensor J = torch::stack(rows, 1).detach().to(torch::kFloat64);  // (N, d, d)
  const torch::Tensor lambda = torch::linalg_eigvalsh(0.5 * (J + J.transpose(1, 2))).select(1, 0);
  const double floor = std::exp(-kKappaCap);
  return -torch::log(torch::clamp(1.0 + lambda, floor, 1.0));
}

SubstepChoice choose_substeps(LangevinPriorImpl& prior, const torch::Tensor& z) {
  SubstepChoice c;
  if (z.size(0) == 0) return c;
  const torch::Tensor rates = relaxation_rates(prior, z);
  c.kappa = torch::quantile(rates, 0.95).item<double>();
  const double n = std::ceil(c.kappa / kMaxSubstepRate - 1e-9);
  c.substeps = std::clamp<int64_t>(static_cast<int64_t>(n), 1, kMaxAutoSubsteps);
  return c;
}

SubstepChoice choose_substeps(const LangevinPriorImpl& prior, const torch::Tensor& z0, const torch::Tensor& z1,
                              uint64_t seed) {
  const torch::Tensor& first = prior.drift_net()->layers().front()->weight;
  const auto dtype = first.scalar_type();
  auto copy = std::make_shared<LangevinPriorImpl>(prior.latent_dim(), first.size(0), /*learn_diffusion=*/false, 1,
                                                  prior.conservative());
  copy->to(dtype);
  {
    torch::NoGradGuard no_grad;
    const auto from = prior.drift_net()->named_parameters(true);
    for (auto& p : copy->drift_net()->named_parameters(true)) p.value().copy_(from[p.key()]);
  }
  const torch::Tensor a = z0.detach().to(dtype), b = z1.detach().to(dtype);
  const int64_t n = a.size(0), batch = std::min<int64_t>(4096, n);
  if (n == 0) return {};
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  torch::optim::Adam adam(copy->drift_net()->parameters(), torch::optim::AdamOptions(1e-2));
  for (int64_t s = 0; s < kFitSteps; ++s) {
    const double lr = 1e-2 * (0.05 + 0.95 * 0.5 * (1 + std::cos(M_PI * s / kFitSteps)));
    static_cast<torch::optim::AdamOptions&>(adam.param_groups()[0].options()).lr(lr);
    const torch::Tensor idx = torch::randint(n, {batch}, gen, torch::kLong);
    const torch::Tensor loss = copy->nll(a.index_select(0, idx), b.index_select(0, idx)).mean();
    adam.zero_grad();
    loss.backward();
    adam.step();
  }
  return choose_substeps(*copy, a);
}

}  // namespace dynae
