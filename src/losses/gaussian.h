#pragma once
// Diagonal-Gaussian posteriors of the variational baselines.
#include <torch/torch.h>

namespace dynae {

/// A sample mean + exp(logvar / 2) * xi, xi ~ N(0, I) from gen; differentiable
/// in mean and logvar (the reparameterisation trick).
torch::Tensor reparameterize(const torch::Tensor& mean, const torch::Tensor& logvar, at::Generator& gen);

/// KL(N(mean, diag exp(logvar)) || N(0, I)) per row (N):
///   -0.5 * sum(1 + logvar - mean^2 - exp(logvar)).
torch::Tensor kl_to_standard_normal(const torch::Tensor& mean, const torch::Tensor& logvar);

/// Entropy of N(mean, diag exp(logvar)) per row minus its constant
/// d/2 (1 + log 2 pi): 0.5 * sum(logvar).
torch::Tensor gaussian_log_volume(const torch::Tensor& logvar);

/// KL(N(mean, exp(logvar)) || Laplace(0, 1)) per element (same shape):
///   log 2 + E|s| - 0.5 log(2 pi e sigma^2),
///   E|s| = sigma sqrt(2/pi) exp(-mean^2 / (2 sigma^2)) + mean erf(mean / (sigma sqrt 2)).
torch::Tensor kl_normal_to_laplace(const torch::Tensor& mean, const torch::Tensor& logvar);

}  // namespace dynae
