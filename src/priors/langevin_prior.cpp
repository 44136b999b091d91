#include "priors/langevin_prior.h"

#include <cmath>

namespace dynae {

LangevinPriorImpl::LangevinPriorImpl(int64_t latent_dim, int64_t hidden, bool learn_diffusion)
    : latent_dim_(latent_dim), learn_diffusion_(learn_diffusion) {
  const auto opts = MlpOptions(latent_dim, hidden, latent_dim).inner_layers(1).activation(Activation::Tanh);
  force_net_ = register_module("force", Mlp(opts));
  if (learn_diffusion_) log_diffusion_net_ = register_module("log_diffusion", Mlp(opts));
}

torch::Tensor LangevinPriorImpl::force(const torch::Tensor& z) { return force_net_->forward(z); }

torch::Tensor LangevinPriorImpl::log_diffusion(const torch::Tensor& z) {
  return learn_diffusion_ ? log_diffusion_net_->forward(z) : torch::zeros_like(z);
}

torch::Tensor LangevinPriorImpl::spurious_drift(const torch::Tensor& z, bool create_graph) {
  if (!learn_diffusion_) return torch::zeros_like(z);
  torch::AutoGradMode enable(true);
  torch::Tensor zz = z.detach().requires_grad_(true);
  torch::Tensor g = log_diffusion_net_->forward(zz);
  // Rows are independent, so d(sum_n g[n, i])/dz[n, :] is row n's gradient of g_i.
  std::vector<torch::Tensor> cols;
  for (int64_t i = 0; i < latent_dim_; ++i) {
    torch::Tensor grad = torch::autograd::grad({g.select(1, i).sum()}, {zz}, {}, /*retain_graph=*/true,
                                               /*create_graph=*/create_graph)[0];
    cols.push_back(grad.select(1, i));
  }
  // dD/dz = D * d(log D)/dz
  return torch::stack(cols, 1) * torch::exp(g);
}

torch::Tensor LangevinPriorImpl::sample(const torch::Tensor& z0, at::Generator& gen) {
  torch::Tensor drift, diffusion;
  if (learn_diffusion_) {
    torch::Tensor div = spurious_drift(z0, /*create_graph=*/false).detach();
    torch::NoGradGuard no_grad;
    diffusion = torch::exp(log_diffusion_net_->forward(z0));
    drift = diffusion * force_net_->forward(z0) + div;
  } else {
    torch::NoGradGuard no_grad;
    drift = force_net_->forward(z0);
  }
  torch::NoGradGuard no_grad;
  torch::Tensor xi = torch::randn(z0.sizes(), gen, z0.options());
  torch::Tensor noise = learn_diffusion_ ? torch::sqrt(2.0 * diffusion) * xi : xi * std::sqrt(2.0);
  return z0.detach() + drift + noise;
}

torch::Tensor LangevinPriorImpl::nll(const torch::Tensor& z0, const torch::Tensor& z1) {
  const torch::Tensor a = z0.detach();
  const torch::Tensor b = z1.detach();
  if (!learn_diffusion_) {
    torch::Tensor r = b - a - force_net_->forward(a);
    return 0.25 * r.pow(2).sum(1);
  }
  torch::Tensor g = log_diffusion_net_->forward(a);
  torch::Tensor diffusion = torch::exp(g);
  torch::Tensor r = b - a - diffusion * force_net_->forward(a) - spurious_drift(a, /*create_graph=*/true);
  return 0.5 * (g + r.pow(2) / (2.0 * diffusion)).sum(1);
}

}  // namespace dynae
