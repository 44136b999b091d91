// DynAE (METHOD.md "Losses"): reconstruction plus beta times the sliced
// Wasserstein distance between encoded moves and moves sampled from the
// learned Langevin prior; the prior is fitted in its own step by the
// transition likelihood of the detached latents.
#include "losses/sliced_wasserstein.h"
#include "dynae/models/model_kind.h"
#include "models/objective.h"

namespace dynae {
namespace {

class DynAEObjective : public Objective {
 public:
  BatchLoss loss(const Model::Impl& model, const PairBatch& batch, double beta, at::Generator& gen) const override {
    const int64_t n = batch.x0.size(0);
    const torch::Tensor z = model.encode(torch::cat({batch.x0, batch.x1}));
    const torch::Tensor out = model.decode(z);
    BatchLoss terms;
    terms.z0 = z.slice(0, 0, n);
    terms.z1 = z.slice(0, n);
    terms.reconstruction = pair_reconstruction(out, batch);
    const torch::Tensor z0d = terms.z0.detach();
    const torch::Tensor prior_moves = model.prior->sample(z0d, gen) - z0d;
    const torch::Tensor dirs = random_directions(model.options.projections, model.options.latent_dim, gen, z.options());
    terms.regularization = sliced_wasserstein(terms.z1 - terms.z0, prior_moves, dirs);
    terms.loss = terms.reconstruction + beta * terms.regularization;
    return terms;
  }

  torch::Tensor prior_loss(const Model::Impl& model, const BatchLoss& terms) const override {
    return model.prior->nll(terms.z0, terms.z1).mean();
  }

  bool resamples() const override { return true; }
};

}  // namespace

const ModelKind& dynae_model_kind() {
  static const ModelKind kind = [] {
    ModelKind k;
    k.name = "dynae";
    k.display_name = "DynAE";
    k.config_name = "DynamicsAE";
    k.aliases = {"DynamicsAE"};
    k.summary = "DynAE: reconstruction + beta * SWD(encoded moves, moves of a learned Langevin prior); resampled pairs";
    k.resamples = true;
    k.fused_kernels = true;
    k.prior = PriorTraining::OwnStep;
    k.dynamics = LatentDynamics::Langevin;
    k.objective = [] { return std::unique_ptr<Objective>(std::make_unique<DynAEObjective>()); };
    return k;
  }();
  return kind;
}

}  // namespace dynae
