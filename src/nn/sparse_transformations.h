#pragma once
// The networks of Sparse Transformation Analysis (issue 42) beside the
// autoencoder: a dictionary of K = K_c + K_r latent flow fields
// (nn/flow_fields.h: K_c curl-free v = -grad U_k, K_r divergence-free
// v = div A), an inference net for each transition's speeds
// q(s | z_t, z_t+1) = N(m, diag exp(logvar)), and the flow that moves z_t
// along sum_k s_k v_k(z) for unit time.
// Each field is used divided by its root mean square magnitude over the data's
// latents (a constant per field, so curl-free and divergence-free stay so):
// in training over the batch (differentiable in the weights), afterwards by
// the norms stored at the end of training over every training frame. So the
// fields keep a common scale where the data is, none can shrink away (or hide
// its magnitude away from the data) while others are learned, and the speeds
// are in latent units.
#include <torch/torch.h>

#include <utility>

#include "nn/flow_fields.h"
#include "nn/mlp.h"

namespace dynae {

struct SparseTransformationsOptions {
  SparseTransformationsOptions(int64_t dim, int64_t potential, int64_t rotational)
      : dim_(dim), potential_(potential), rotational_(rotational) {}
  TORCH_ARG(int64_t, dim);         ///< latent dimension d
  TORCH_ARG(int64_t, potential);   ///< K_c
  TORCH_ARG(int64_t, rotational);  ///< K_r
  TORCH_ARG(int64_t, hidden) = 32;  ///< width of the field nets and of the speed net
  TORCH_ARG(int64_t, steps) = 2;    ///< Heun (RK2) steps of the unit-time flow
};

class SparseTransformationsImpl : public torch::nn::Module {
 public:
  explicit SparseTransformationsImpl(const SparseTransformationsOptions& options);
  /// Every field at z (N, d), divided by the stored norms: (N, K, d), the
  /// potential fields first.
  torch::Tensor fields(const torch::Tensor& z);
  /// Each raw field's root mean square magnitude over the rows of z, (K);
  /// differentiable in the weights.
  torch::Tensor norms_over(const torch::Tensor& z);
  /// Stores norms_over(z) as the norms used from then on (no gradient).
  void store_norms(const torch::Tensor& z);
  const torch::Tensor& stored_norms() const { return norms_; }
  /// The speeds' posterior from the pair's latents (each (N, d)): mean and
  /// log-variance, each (N, K). The net sees z_t and the move z_t+1 - z_t;
  /// its log-variance output starts near -4 (speeds' sd ~0.14), so that the
  /// first epochs' sampled speeds do not swamp the fields being learned.
  std::pair<torch::Tensor, torch::Tensor> speed_posterior(const torch::Tensor& z0, const torch::Tensor& z1);
  /// z (N, d) moved for unit time along sum_k s_k v_k(z) by options.steps Heun
  /// steps, the fields divided by `norms` (K; undefined: the stored ones);
  /// differentiable in z, s, norms and the fields' weights.
  torch::Tensor flow(const torch::Tensor& z, const torch::Tensor& s, const torch::Tensor& norms = {});
  /// log b, the speeds' prior scale (learned: the prior is Laplace(0, b) or N(0, b^2)).
  const torch::Tensor& log_speed_scale() const { return log_speed_scale_; }
  int64_t count() const { return options_.potential() + options_.rotational(); }
  const SparseTransformationsOptions& options() const { return options_; }

 private:
  SparseTransformationsOptions options_;
  FlowFields fields_{nullptr};
  Mlp speeds_{nullptr};
  torch::Tensor norms_;  ///< buffer (K): ones until stored
  torch::Tensor log_speed_scale_;  ///< parameter, scalar
  /// fields at z divided by the norms given
  torch::Tensor normalised(const torch::Tensor& z, const torch::Tensor& norms);
};
TORCH_MODULE(SparseTransformations);

}  // namespace dynae
