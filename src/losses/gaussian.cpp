#include "losses/gaussian.h"

#include <cmath>

namespace dynae {

torch::Tensor reparameterize(const torch::Tensor& mean, const torch::Tensor& logvar, at::Generator& gen) {
  const torch::Tensor xi = torch::randn(mean.sizes(), gen, mean.options());
  return mean + torch::exp(0.5 * logvar) * xi;
}

torch::Tensor kl_to_standard_normal(const torch::Tensor& mean, const torch::Tensor& logvar) {
  return -0.5 * (1 + logvar - mean.pow(2) - torch::exp(logvar)).sum(1);
}

torch::Tensor kl_normal_to_laplace(const torch::Tensor& mean, const torch::Tensor& logvar) {
  const double pi = 3.14159265358979323846;
  const torch::Tensor sigma = torch::exp(0.5 * logvar);
  const torch::Tensor mean_abs = sigma * std::sqrt(2.0 / pi) * torch::exp(-0.5 * (mean / sigma).pow(2)) +
                                 mean * torch::erf(mean / (sigma * std::sqrt(2.0)));
  return std::log(2.0) + mean_abs - 0.5 * (std::log(2.0 * pi) + 1.0 + logvar);
}

torch::Tensor gaussian_log_volume(const torch::Tensor& logvar) { return 0.5 * logvar.sum(1); }

}  // namespace dynae
