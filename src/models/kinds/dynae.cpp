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
  BatchLoss loss(const Model::Impl& m, const PairBatch& b, double beta, at::Generator& gen) const override {
    const int64_t n = b.x0.size(0);
    const torch::Tensor z = m.encode(torch::cat({b.x0, b.x1}));
    const torch::Tensor out = m.decode(z);
    BatchLoss v;
    v.z0 = z.slice(0, 0, n);
    v.z1 = z.slice(0, n);
    v.reconstruction = pair_reconstruction(out, b);
    const torch::Tensor z0d = v.z0.detach();
    const torch::Tensor prior_moves = m.prior->sample(z0d, gen) - z0d;
    const torch::Tensor dirs = random_directions(m.options.projections, m.options.latent_dim, gen, z.options());
    v.regularization = sliced_wasserstein(v.z1 - v.z0, prior_moves, dirs);
    v.loss = v.reconstruction + beta * v.regularization;
    return v;
  }

  torch::Tensor prior_loss(const Model::Impl& m, const BatchLoss& v) const override {
    return m.prior->nll(v.z0, v.z1).mean();
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
