// Time-lagged autoencoder baseline: encode x_t, decode the target at t + tau;
// the loss is that reconstruction alone (no regulariser, beta unused).
#include "dynae/models/model_kind.h"
#include "losses/reconstruction.h"
#include "models/objective.h"

namespace dynae {
namespace {

class TAEObjective : public Objective {
 public:
  BatchLoss loss(const Model::Impl& model, const PairBatch& batch, double /*beta*/,
                 at::Generator& /*gen*/) const override {
    BatchLoss terms;
    terms.z0 = model.encode(batch.x0);
    terms.reconstruction = reconstruction_error(model.decode(terms.z0), batch.y1);
    terms.regularization = torch::zeros({}, terms.reconstruction.options());
    terms.loss = terms.reconstruction;
    return terms;
  }
};

}  // namespace

const ModelKind& tae_model_kind() {
  static const ModelKind kind =
      ModelKind("tae", "TAE", "TAE", "TAE: time-lagged autoencoder, encode x_t, decode x_{t+tau}")
          .set_aliases({"TimeLaggedAE", "time-lagged autoencoder"})
          .set_objective(objective_of<TAEObjective>);
  return kind;
}

}  // namespace dynae
