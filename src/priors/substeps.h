#pragma once
// The automatic choice of the prior's substeps per lag (option
// prior_substeps = 0): one Euler-Maruyama step describes a lag only while the
// force barely changes over one move. After the warm-up the one-step force
// f has been fitted to the latent's moves; its Jacobian tells how fast the
// latent relaxes per lag. For a locally linear drift with Jacobian A per lag
// the moves' conditional mean contracts by exp(A), which the one-step fit
// reads as f(z) ~ (exp(A) - I) z; so the most negative eigenvalue lambda of
// the symmetric part of df/dz gives the fastest local relaxation rate
// kappa = -log(1 + lambda) per lag (lambda <= -1: decorrelated within a lag).
// Substeps of 1/n keep each substep's contraction kappa / n small.
#include <torch/torch.h>

#include "priors/langevin_prior.h"

namespace dynae {

struct SubstepChoice {
  int64_t substeps = 1;
  double kappa = 0;  ///< the relaxation rate per lag the choice is for (a high quantile over the latents)
};

/// Largest substep contraction kappa / n the choice allows: one Euler step
/// while kappa <= 0.25 per lag (the conditional variance then within ~12 %
/// at the stiffest latents).
constexpr double kMaxSubstepRate = 0.25;
/// Most substeps the choice gives (cost grows linearly with them).
constexpr int64_t kMaxAutoSubsteps = 32;
/// Rate at which a lag counts as decorrelated (1 + lambda <= exp(-kKappaCap)).
constexpr double kKappaCap = 6.0;

/// Relaxation rate per lag at each latent z (N, d) of the prior's current
/// one-step force, as above; (N).
torch::Tensor relaxation_rates(LangevinPriorImpl& prior, const torch::Tensor& z);

/// kappa = the 95th percentile of relaxation_rates over z; substeps =
/// ceil(kappa / kMaxSubstepRate) within [1, kMaxAutoSubsteps].
SubstepChoice choose_substeps(LangevinPriorImpl& prior, const torch::Tensor& z);

/// The same for latent pairs (z0, z1) (N, d): a copy of `prior` (one step)
/// is first fitted to them by the transition likelihood (kFitSteps Adam
/// steps on batches of up to 4096, noise from `seed`), so the choice does not
/// hang on how far the prior's own training has come; `prior` is unchanged.
SubstepChoice choose_substeps(const LangevinPriorImpl& prior, const torch::Tensor& z0, const torch::Tensor& z1,
                              uint64_t seed);
constexpr int64_t kFitSteps = 400;

}  // namespace dynae
