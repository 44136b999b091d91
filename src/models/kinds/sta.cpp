// Sparse Transformation Analysis (issue 42; Unsupervised Representation
// Learning from Sparse Transformation Analysis, 2024), on dynae's pairs.
// Generative model of a pair (x_t, x_t+tau):
//   z_t ~ N(0, I),  s_k ~ Laplace(0, b) (option sta_speed_prior = normal: N(0, b^2)), b learned,
//   z_t+tau = z_t moved for unit time along sum_k s_k v_k(z) (v_k: K_c curl-free
//   and K_r divergence-free learned fields, nn/flow_fields.h; Heun steps),
//   x_t ~ D(z_t), x_t+tau ~ D(z_t+tau) (Gaussian: the squared error).
// Inference: q(z_t | x_t) the Gaussian encoder; q(s | x_t, x_t+tau) a Gaussian
// from the pair's posterior means (nn/sparse_transformations.h). The loss is
// the negative ELBO with the KL terms weighted by beta:
//   |D(z_t) - y_t|^2 + |D(z_t+tau) - y_t+tau|^2 + beta (KL(q(z_t) || N(0, I)) + w KL(q(s) || p(s))),
// w = sta_speed_weight (1: the ELBO; more: sparser speeds),
// each averaged over the batch; one reparameterised sample of z_t and s. The
// fields are normalised by their magnitude over the batch's latents; the norms
// over every training frame are stored at the end of training.
#include "dynae/models/model_kind.h"
#include "losses/gaussian.h"
#include "models/objective.h"
#include "models/sta_terms.h"

namespace dynae {

torch::Tensor sta_speed_kl(const Model::Impl& model, const torch::Tensor& mean, const torch::Tensor& logvar) {
  // KL(N(m, v) || p_b) = KL(N(m / b, v / b^2) || p_1): the prior's learned scale b.
  const torch::Tensor log_b = model.transformations->log_speed_scale();
  const torch::Tensor m = mean * torch::exp(-log_b), lv = logvar - 2 * log_b;
  return model.options.sta_speed_prior == "normal" ? kl_to_standard_normal(m, lv) : kl_normal_to_laplace(m, lv).sum(1);
}

namespace {

class STAObjective : public Objective {
 public:
  BatchLoss loss(const Model::Impl& model, const PairBatch& batch, double beta, at::Generator& gen) const override {
    const int64_t n = batch.x0.size(0);
    SparseTransformationsImpl& sta = *model.transformations;
    const auto [mean, logvar] = model.posterior(torch::cat({batch.x0, batch.x1}));
    const torch::Tensor mean0 = mean.slice(0, 0, n), logvar0 = logvar.slice(0, 0, n), mean1 = mean.slice(0, n);
    const torch::Tensor z0 = reparameterize(mean0, logvar0, gen);
    const auto [speed_mean, speed_logvar] = sta.speed_posterior(mean0, mean1);
    const torch::Tensor s = reparameterize(speed_mean, speed_logvar, gen);
    // The fields normalised over this batch's latents (nn/sparse_transformations.h).
    const torch::Tensor z1 = sta.flow(z0, s, sta.norms_over(mean0));
    BatchLoss terms;
    terms.z0 = mean0;
    terms.z1 = mean1;
    terms.reconstruction = pair_reconstruction(model.decode(torch::cat({z0, z1})), batch);
    const torch::Tensor kl_speeds = sta_speed_kl(model, speed_mean, speed_logvar);
    terms.regularization = kl_to_standard_normal(mean0, logvar0).mean() + model.options.sta_speed_weight * kl_speeds.mean();
    terms.loss = terms.reconstruction + beta * terms.regularization;
    return terms;
  }
};

}  // namespace

const ModelKind& sta_model_kind() {
  static const ModelKind kind =
      ModelKind("sta", "STA", "STA",
                "Sparse Transformation Analysis: each transition a sparse mix of learned curl-free and "
                "divergence-free latent flow fields")
          .set_aliases({"SparseTransformationAnalysis"})
          .set_variational(true)
          .set_flow_fields(true)
          .set_objective(objective_of<STAObjective>);
  return kind;
}

}  // namespace dynae
