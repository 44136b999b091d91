// VAE baseline (METHOD.md "Baselines"): both frames of a pair are encoded to a
// diagonal Gaussian, a reparameterised sample is decoded, and the loss is the
// reconstruction plus beta times KL(q(z|x) || N(0, I)), each frame's KL
// averaged over the batch and the two frames' added, as the reconstruction is.
#include "dynae/models/model_kind.h"
#include "losses/gaussian.h"
#include "models/objective.h"

namespace dynae {
namespace {

class VAEObjective : public Objective {
 public:
  BatchLoss loss(const Model::Impl& model, const PairBatch& batch, double beta, at::Generator& gen) const override {
    const int64_t n = batch.x0.size(0);
    const auto [mean, logvar] = model.posterior(torch::cat({batch.x0, batch.x1}));
    const torch::Tensor out = model.decode(reparameterize(mean, logvar, gen));
    BatchLoss terms;
    terms.z0 = mean.slice(0, 0, n);
    terms.z1 = mean.slice(0, n);
    terms.reconstruction = pair_reconstruction(out, batch);
    const torch::Tensor kl = kl_to_standard_normal(mean, logvar);
    terms.regularization = kl.slice(0, 0, n).mean() + kl.slice(0, n).mean();
    terms.loss = terms.reconstruction + beta * terms.regularization;
    return terms;
  }
};

}  // namespace

const ModelKind& vae_model_kind() {
  static const ModelKind kind = ModelKind("vae", "VAE", "VAE", "VAE: reconstruction + beta * KL(q(z|x) || N(0, I))")
                                    .set_aliases({})
                                    .set_variational(true)
                                    .set_objective(objective_of<VAEObjective>);
  return kind;
}

}  // namespace dynae
