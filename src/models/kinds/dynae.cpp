// DynAE (METHOD.md "Losses"): reconstruction plus beta times the sliced
// Wasserstein distance between encoded moves and moves sampled from the
// learned Langevin prior; the prior is fitted in its own step by the
// transition likelihood of the detached latents.
#include "dynae/models/model_kind.h"
#include "losses/sliced_wasserstein.h"
#include "models/objective.h"

namespace dynae {
namespace {

class DynAEObjective : public Objective {
 public:
  BatchLoss loss(const Model::Impl& model, const PairBatch& batch, double beta, at::Generator& gen) const override {
    torch::Tensor z;
    BatchLoss terms = autoencode_pairs(model, batch, z);
    const torch::Tensor z0d = terms.z0.detach();
    const torch::Tensor prior_moves = model.prior->sample(z0d, gen) - z0d;
    const torch::Tensor dirs = random_directions(model.options.projections, model.options.latent_dim, gen, z.options());
    terms.regularization = sliced_wasserstein(terms.z1 - terms.z0, prior_moves, dirs);
    terms.loss = terms.reconstruction + beta * terms.regularization;
    return terms;
  }

  torch::Tensor prior_loss(const Model::Impl& model, const BatchLoss& terms, at::Generator& gen) const override {
    return model.prior->transition_loss(terms.z0, terms.z1, gen).mean();
  }

  bool resamples() const override { return true; }
};

}  // namespace

const ModelKind& dynae_model_kind() {
  static const ModelKind kind =
      ModelKind("dynae", "DynAE", "DynamicsAE",
                "DynAE: reconstruction + beta * SWD(encoded moves, moves of a learned Langevin prior); resampled pairs")
          .set_aliases({"DynamicsAE"})
          .set_resamples(true)
          .set_fused_kernels(true)
          .set_prior(PriorTraining::OwnStep)
          .set_dynamics(LatentDynamics::Langevin)
          .set_objective(objective_of<DynAEObjective>);
  return kind;
}

}  // namespace dynae
