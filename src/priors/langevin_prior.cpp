#include "priors/langevin_prior.h"

#include <cmath>
#include <string>

#include "dynae/errors.h"

namespace dynae {

LangevinPriorImpl::LangevinPriorImpl(int64_t latent_dim, int64_t hidden, bool learn_diffusion, int64_t substeps,
                                     bool conservative)
    : latent_dim_(latent_dim), learn_diffusion_(learn_diffusion) {
  const auto opts = MlpOptions(latent_dim, hidden, latent_dim).inner_layers(1).activation(Activation::Tanh);
  if (conservative) {
    potential_net_ = register_module("potential", Mlp(MlpOptions(opts).out(1)));
  } else {
    force_net_ = register_module("force", Mlp(opts));
  }
  if (learn_diffusion_) log_diffusion_net_ = register_module("log_diffusion", Mlp(opts));
  set_substeps(substeps);
}

void LangevinPriorImpl::set_substeps(int64_t n) {
  if (n < 1) throw ConfigError("prior substeps must be >= 1, got " + std::to_string(n));
  if (n > 1 && learn_diffusion_) {
    throw ConfigError("prior substeps > 1 need fixed diffusion (learn_diffusion = False)");
  }
  substeps_ = n;
}

torch::Tensor LangevinPriorImpl::force(const torch::Tensor& z) {
  return potential_net_ ? -potential_net_->input_gradient(z) : force_net_->forward(z);
}

torch::Tensor LangevinPriorImpl::potential(const torch::Tensor& z) {
  if (!potential_net_) throw Error("this model's force is not conservative: it has no potential of its own");
  return potential_net_->forward(z).squeeze(1);
}

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

torch::Tensor LangevinPriorImpl::integrate(const torch::Tensor& z0, const torch::Tensor& noise) {
  const int64_t n = noise.size(0);
  const double h = 1.0 / static_cast<double>(n), amplitude = std::sqrt(2.0 * h);
  torch::Tensor z = z0.detach();
  for (int64_t k = 0; k < n; ++k) z = z + h * force(z) + amplitude * noise[k];
  return z;
}

torch::Tensor LangevinPriorImpl::energy_score(const torch::Tensor& z0, const torch::Tensor& z1, at::Generator& gen) {
  const int64_t rows = z0.size(0), K = kScoreSamples;
  const torch::Tensor noise = torch::randn({substeps_, K * rows, latent_dim_}, gen, z0.options());
  const torch::Tensor moved = integrate(z0.detach().repeat({K, 1}), noise).view({K, rows, latent_dim_});
  // sqrt(. + eps): finite gradients where two points coincide
  auto distance = [](const torch::Tensor& a, const torch::Tensor& b) { return ((a - b).pow(2).sum(-1) + 1e-12).sqrt(); };
  torch::Tensor to_data = distance(moved, z1.detach().unsqueeze(0)).mean(0);
  torch::Tensor spread = torch::zeros({rows}, z0.options());
  for (int64_t k = 0; k < K; ++k) {
    for (int64_t l = k + 1; l < K; ++l) spread = spread + distance(moved[k], moved[l]);
  }
  // E|Z - Z'| / 2 from the K (K - 1) / 2 unordered pairs
  return to_data - spread / static_cast<double>(K * (K - 1));
}

torch::Tensor LangevinPriorImpl::transition_loss(const torch::Tensor& z0, const torch::Tensor& z1, at::Generator& gen) {
  torch::Tensor loss = substeps_ == 1 ? nll(z0, z1) : energy_score(z0, z1, gen);
  if (potential_net_) loss = loss + stationary_loss(z0, gen);
  return loss;
}

torch::Tensor LangevinPriorImpl::stationary_loss(const torch::Tensor& z, at::Generator& gen) {
  return z.size(1) <= kMaxQuadratureDim ? density_nll(z) : score_matching(z, gen);
}

torch::Tensor LangevinPriorImpl::density_nll(const torch::Tensor& z) {
  const int64_t d = z.size(1);
  if (d > kMaxQuadratureDim) throw Error("density_nll: quadrature of exp(-U) needs d <= 3");
  const int64_t per_axis = d == 1 ? 256 : d == 2 ? 64 : 24;
  const torch::Tensor data = z.detach();
  const torch::Tensor lo = std::get<0>(data.min(0)) - kDensityMargin, hi = std::get<0>(data.max(0)) + kDensityMargin;
  std::vector<torch::Tensor> axes;
  double log_volume = 0;
  for (int64_t i = 0; i < d; ++i) {
    const double a = lo[i].item<double>(), b = hi[i].item<double>();
    axes.push_back(torch::linspace(a, b, per_axis, z.options()));
    log_volume += std::log((b - a) / static_cast<double>(per_axis - 1));
  }
  const std::vector<torch::Tensor> mesh = torch::meshgrid(axes, "ij");
  std::vector<torch::Tensor> columns;
  for (const auto& m : mesh) columns.push_back(m.reshape({-1}));
  const torch::Tensor grid = torch::stack(columns, 1);
  const torch::Tensor log_z = torch::logsumexp(-potential(grid), 0) + log_volume;
  return potential(data) + log_z;
}

torch::Tensor LangevinPriorImpl::score_matching(const torch::Tensor& z, at::Generator& gen) {
  const torch::Tensor eps = torch::randn(z.sizes(), gen, z.options());
  return 0.25 * (kScoreSigma * force(z.detach() + kScoreSigma * eps) + eps).pow(2).sum(1);
}

torch::Tensor LangevinPriorImpl::sample(const torch::Tensor& z0, at::Generator& gen) {
  if (substeps_ > 1) {
    torch::NoGradGuard no_grad;
    return integrate(z0, torch::randn({substeps_, z0.size(0), latent_dim_}, gen, z0.options()));
  }
  torch::Tensor drift, diffusion;
  if (learn_diffusion_) {
    torch::Tensor div = spurious_drift(z0, /*create_graph=*/false).detach();
    torch::NoGradGuard no_grad;
    diffusion = torch::exp(log_diffusion_net_->forward(z0));
    drift = diffusion * force(z0) + div;
  } else {
    torch::NoGradGuard no_grad;
    drift = force(z0);
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
    torch::Tensor r = b - a - force(a);
    return 0.25 * r.pow(2).sum(1);
  }
  torch::Tensor g = log_diffusion_net_->forward(a);
  torch::Tensor diffusion = torch::exp(g);
  torch::Tensor r = b - a - diffusion * force(a) - spurious_drift(a, /*create_graph=*/true);
  return 0.5 * (g + r.pow(2) / (2.0 * diffusion)).sum(1);
}

}  // namespace dynae
