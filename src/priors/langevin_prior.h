#pragma once
// The latent prior: overdamped Langevin dynamics with a learned force f(z) and
// either unit diffusion (default; what makes the latent identifiable) or a
// learned diagonal diffusion D(z) = exp(g(z)). One step of the latent clock:
//   z' = z + D(z) f(z) + div D(z) + sqrt(2 D(z)) xi,   xi ~ N(0, I)
// where (div D)_i = dD_i/dz_i is the spurious (Ito) drift.
#include <torch/torch.h>

#include "nn/mlp.h"

namespace dynae {

class LangevinPriorImpl : public torch::nn::Module {
 public:
  LangevinPriorImpl(int64_t latent_dim, int64_t hidden, bool learn_diffusion);

  /// f(z), (N, d).
  torch::Tensor force(const torch::Tensor& z);
  /// log D(z), (N, d); zeros when diffusion is not learned.
  torch::Tensor log_diffusion(const torch::Tensor& z);
  /// Spurious drift (div D)_i = dD_i/dz_i at z, (N, d); zeros for constant D.
  /// With create_graph the result stays differentiable in the prior's weights.
  torch::Tensor spurious_drift(const torch::Tensor& z, bool create_graph);

  /// One sampled transition z0 -> z1 (no gradient), drawing noise from gen.
  torch::Tensor sample(const torch::Tensor& z0, at::Generator& gen);
  /// Transition negative log-likelihood per pair, constants dropped (N):
  ///   0.5 * sum_i [ log D_i + (z1 - z0 - D f - div D)_i^2 / (2 D_i) ]  at z0.
  /// Differentiable in the prior's weights; z0, z1 are treated as data.
  torch::Tensor nll(const torch::Tensor& z0, const torch::Tensor& z1);

  bool learns_diffusion() const { return learn_diffusion_; }
  int64_t latent_dim() const { return latent_dim_; }
  /// The force net f (for the fused training path, which reads its weights).
  const Mlp& force_net() const { return force_net_; }

 private:
  int64_t latent_dim_;
  bool learn_diffusion_;
  Mlp force_net_{nullptr};
  Mlp log_diffusion_net_{nullptr};
};
TORCH_MODULE(LangevinPrior);

}  // namespace dynae
