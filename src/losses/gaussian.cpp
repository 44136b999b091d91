#include "losses/gaussian.h"

namespace dynae {

torch::Tensor reparameterize(const torch::Tensor& mean, const torch::Tensor& logvar, at::Generator& gen) {
  const torch::Tensor xi = torch::randn(mean.sizes(), gen, mean.options());
  return mean + torch::exp(0.5 * logvar) * xi;
}

torch::Tensor kl_to_standard_normal(const torch::Tensor& mean, const torch::Tensor& logvar) {
  return -0.5 * (1 + logvar - mean.pow(2) - torch::exp(logvar)).sum(1);
}

torch::Tensor gaussian_log_volume(const torch::Tensor& logvar) { return 0.5 * logvar.sum(1); }

}  // namespace dynae
