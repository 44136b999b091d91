#pragma once
// The latent prior: overdamped Langevin dynamics with a learned force f(z) and
// either unit diffusion (default; what makes the latent identifiable) or a
// learned diagonal diffusion D(z) = exp(g(z)). One step of the latent clock:
//   z' = z + D(z) f(z) + div D(z) + sqrt(2 D(z)) xi,   xi ~ N(0, I)
// where (div D)_i = dD_i/dz_i is the spurious (Ito) drift.
// With n > 1 substeps (option prior_substeps) one lag is n such steps of 1/n:
//   z <- z + f(z) / n + sqrt(2 / n) xi   (n times),
// which stays the SDE's transition when the force changes over one move
// (coarse lags); the force is then fitted by the energy score of simulated
// moves, since the one-step likelihood no longer describes them.
// With a conservative force (option force_field) f = -grad U for a scalar
// network U: with unit diffusion the SDE's stationary density is exp(-U), so
// U is the model's free energy (kT, up to a constant).
#include <torch/torch.h>

#include "nn/mlp.h"

namespace dynae {

class LangevinPriorImpl : public torch::nn::Module {
 public:
  LangevinPriorImpl(int64_t latent_dim, int64_t hidden, bool learn_diffusion, int64_t substeps = 1,
                    bool conservative = false);

  /// f(z), (N, d); -grad U(z) for a conservative force (differentiable in
  /// the weights, computed without autograd, so also under NoGradGuard).
  torch::Tensor force(const torch::Tensor& z);
  /// U(z), (N); conservative force only (Error otherwise).
  torch::Tensor potential(const torch::Tensor& z);
  bool conservative() const { return static_cast<bool>(potential_net_); }
  /// log D(z), (N, d); zeros when diffusion is not learned.
  torch::Tensor log_diffusion(const torch::Tensor& z);
  /// Spurious drift (div D)_i = dD_i/dz_i at z, (N, d); zeros for constant D.
  /// With create_graph the result stays differentiable in the prior's weights.
  torch::Tensor spurious_drift(const torch::Tensor& z, bool create_graph);

  /// One sampled transition z0 -> z1 (no gradient), drawing noise from gen:
  /// (N, d) normals for one substep, (n, N, d) for n.
  torch::Tensor sample(const torch::Tensor& z0, at::Generator& gen);
  /// z0 moved over one lag by noise.size(0) substeps of the SDE (fixed
  /// diffusion only), noise (n, N, d) standard normals. Differentiable in the
  /// force's weights; z0 is treated as data.
  torch::Tensor integrate(const torch::Tensor& z0, const torch::Tensor& noise);
  /// Energy score of the pairs under the n-substep transition, per pair (N):
  ///   E|Z - z1| - E|Z - Z'| / 2,   Z, Z' ~ p(. | z0) independent,
  /// estimated from kScoreSamples simulated moves per pair (noise from gen).
  /// A strictly proper score: its expectation is least for the true
  /// transition, so minimising it fits the force consistently with how moves
  /// are sampled. Differentiable in the force's weights.
  torch::Tensor energy_score(const torch::Tensor& z0, const torch::Tensor& z1, at::Generator& gen);
  /// The prior's fitting loss per pair (N): nll for one substep (the
  /// reference), energy_score for more; a conservative force adds
  /// stationary_loss at z0 (its exp(-U) is the stationary density).
  torch::Tensor transition_loss(const torch::Tensor& z0, const torch::Tensor& z1, at::Generator& gen);
  static constexpr int64_t kScoreSamples = 2;
  /// A conservative force's second loss, per row (N): exp(-U) must be the
  /// latent's stationary density (unit diffusion). density_nll for d <= 3,
  /// else score_matching. The transition likelihood alone fits U only through
  /// the moves: the depths of wells far apart are left to the few moves
  /// across the barriers, and the populations of exp(-U) drift off.
  torch::Tensor stationary_loss(const torch::Tensor& z, at::Generator& gen);
  /// -log of exp(-U(z)) / Z at each row of z (N), Z by quadrature on a grid
  /// over the rows' range plus kDensityMargin (256, 64, 24 points per axis for
  /// d = 1, 2, 3): the stationary density's likelihood. d <= 3 only.
  torch::Tensor density_nll(const torch::Tensor& z);
  /// Denoising score matching, per row (N): 0.25 |sigma f(z + sigma eps) + eps|^2,
  /// eps ~ N(0, I) from gen; least when f is the score of the density smoothed
  /// by N(0, sigma^2). Blind to the relative weight of separated wells.
  torch::Tensor score_matching(const torch::Tensor& z, at::Generator& gen);
  static constexpr double kScoreSigma = 0.5;
  static constexpr double kDensityMargin = 3.0;
  static constexpr int64_t kMaxQuadratureDim = 3;
  /// Transition negative log-likelihood per pair, constants dropped (N):
  ///   0.5 * sum_i [ log D_i + (z1 - z0 - D f - div D)_i^2 / (2 D_i) ]  at z0.
  /// Differentiable in the prior's weights; z0, z1 are treated as data.
  torch::Tensor nll(const torch::Tensor& z0, const torch::Tensor& z1);

  bool learns_diffusion() const { return learn_diffusion_; }
  /// Substeps per lag (1 = one Euler-Maruyama step, the reference).
  int64_t substeps() const { return substeps_; }
  void set_substeps(int64_t n);
  int64_t latent_dim() const { return latent_dim_; }
  /// The force net f (for the fused training path, which reads its weights);
  /// null for a conservative force.
  const Mlp& force_net() const { return force_net_; }
  /// The scalar net U of a conservative force; null for a free one.
  const Mlp& potential_net() const { return potential_net_; }
  /// Whichever of the two gives the force (its weights are the drift's).
  const Mlp& drift_net() const { return potential_net_ ? potential_net_ : force_net_; }

 private:
  int64_t latent_dim_;
  bool learn_diffusion_;
  int64_t substeps_ = 1;
  Mlp force_net_{nullptr};
  Mlp potential_net_{nullptr};
  Mlp log_diffusion_net_{nullptr};
};
TORCH_MODULE(LangevinPrior);

}  // namespace dynae
