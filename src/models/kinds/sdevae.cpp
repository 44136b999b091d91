// SDE-VAE baseline (METHOD.md "Baselines"). Both frames are encoded to
// diagonal Gaussians q0, q1 and sampled by reparameterisation; the prior over
// the pair is r(z0) r(z1 | z0) with r(z0) = N(0, I / nu) and
// r(z1 | z0) = N(z0 + f(z0), I), f the learned force net. The regulariser is
// the one-sample estimate of KL(q0 q1 || r), entropies analytic:
//   0.5 nu |z0|^2 - (d/2) log nu + 0.5 |z1 - z0 - f(z0)|^2
//     - 0.5 sum(logvar0) - 0.5 sum(logvar1) - d,
// averaged over the batch. The force net is trained by the same loss.
#include <cmath>

#include "dynae/models/model_kind.h"
#include "losses/gaussian.h"
#include "models/objective.h"

namespace dynae {
namespace {

class SDEVAEObjective : public Objective {
 public:
  BatchLoss loss(const Model::Impl& model, const PairBatch& batch, double beta, at::Generator& gen) const override {
    const int64_t n = batch.x0.size(0);
    const double d = static_cast<double>(model.options.latent_dim);
    const double nu = model.options.sdevae_nu;
    const auto [mean, logvar] = model.posterior(torch::cat({batch.x0, batch.x1}));
    const torch::Tensor z = reparameterize(mean, logvar, gen);
    const torch::Tensor out = model.decode(z);
    BatchLoss terms;
    terms.z0 = mean.slice(0, 0, n);
    terms.z1 = mean.slice(0, n);
    terms.reconstruction = pair_reconstruction(out, batch);
    const torch::Tensor z0 = z.slice(0, 0, n), z1 = z.slice(0, n);
    const torch::Tensor move = z1 - z0 - model.prior->force(z0);
    const torch::Tensor kl = 0.5 * nu * z0.pow(2).sum(1) - 0.5 * d * std::log(nu) + 0.5 * move.pow(2).sum(1) -
                             gaussian_log_volume(logvar.slice(0, 0, n)) - gaussian_log_volume(logvar.slice(0, n)) - d;
    terms.regularization = kl.mean();
    terms.loss = terms.reconstruction + beta * terms.regularization;
    return terms;
  }
};

}  // namespace

const ModelKind& sdevae_model_kind() {
  static const ModelKind kind = ModelKind("sdevae", "SDE-VAE", "SDEVAE",
                                          "SDE-VAE: Gaussian posteriors, prior N(0, I/nu) then z1 ~ N(z0 + f(z0), I)")
                                    .set_aliases({"SDE-VAE"})
                                    .set_variational(true)
                                    .set_prior(PriorTraining::WithAutoencoder)
                                    .set_dynamics(LatentDynamics::EulerUnitNoise)
                                    .set_objective(objective_of<SDEVAEObjective>);
  return kind;
}

}  // namespace dynae
