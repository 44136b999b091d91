// SWAE baseline (METHOD.md "Baselines"): a deterministic autoencoder whose
// latents are pulled by the sliced Wasserstein distance towards samples of the
// uniform distribution on [-1, 1]^d, as many as there are latents.
#include "dynae/models/model_kind.h"
#include "losses/sliced_wasserstein.h"
#include "models/objective.h"

namespace dynae {
namespace {

class SWAEObjective : public Objective {
 public:
  BatchLoss loss(const Model::Impl& model, const PairBatch& batch, double beta, at::Generator& gen) const override {
    torch::Tensor z;
    BatchLoss terms = autoencode_pairs(model, batch, z);
    torch::Tensor samples;
    {
      torch::NoGradGuard no_grad;
      samples = torch::rand(z.sizes(), gen, z.options()) * 2 - 1;
    }
    const torch::Tensor dirs = random_directions(model.options.projections, model.options.latent_dim, gen, z.options());
    terms.regularization = sliced_wasserstein(z, samples, dirs);
    terms.loss = terms.reconstruction + beta * terms.regularization;
    return terms;
  }
};

}  // namespace

const ModelKind& swae_model_kind() {
  static const ModelKind kind =
      ModelKind("swae", "SWAE", "SWAE", "SWAE: reconstruction + beta * SWD(latents, uniform on [-1, 1]^d)")
          .set_aliases({})
          .set_objective(objective_of<SWAEObjective>);
  return kind;
}

}  // namespace dynae
