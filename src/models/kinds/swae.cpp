// SWAE baseline (METHOD.md "Baselines"): a deterministic autoencoder whose
// latents are pulled by the sliced Wasserstein distance towards samples of the
// uniform distribution on [-1, 1]^d, as many as there are latents.
#include "losses/sliced_wasserstein.h"
#include "dynae/models/model_kind.h"
#include "models/objective.h"

namespace dynae {
namespace {

class SWAEObjective : public Objective {
 public:
  BatchLoss loss(const Model::Impl& model, const PairBatch& batch, double beta, at::Generator& gen) const override {
    const int64_t n = batch.x0.size(0);
    const torch::Tensor z = model.encode(torch::cat({batch.x0, batch.x1}));
    const torch::Tensor out = model.decode(z);
    BatchLoss terms;
    terms.z0 = z.slice(0, 0, n);
    terms.z1 = z.slice(0, n);
    terms.reconstruction = pair_reconstruction(out, batch);
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
  static const ModelKind kind = [] {
    ModelKind k;
    k.name = "swae";
    k.display_name = "SWAE";
    k.config_name = "SWAE";
    k.aliases = {};
    k.summary = "SWAE: reconstruction + beta * SWD(latents, uniform on [-1, 1]^d)";
    k.objective = [] { return std::unique_ptr<Objective>(std::make_unique<SWAEObjective>()); };
    return k;
  }();
  return kind;
}

}  // namespace dynae
