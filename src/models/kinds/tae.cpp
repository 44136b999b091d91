// Time-lagged autoencoder baseline: encode x_t, decode the target at t + tau;
// the loss is that reconstruction alone (no regulariser, beta unused).
#include "losses/reconstruction.h"
#include "dynae/models/model_kind.h"
#include "models/objective.h"

namespace dynae {
namespace {

class TAEObjective : public Objective {
 public:
  BatchLoss loss(const Model::Impl& m, const PairBatch& b, double /*beta*/, at::Generator& /*gen*/) const override {
    BatchLoss v;
    v.z0 = m.encode(b.x0);
    v.reconstruction = reconstruction_error(m.decode(v.z0), b.y1);
    v.regularization = torch::zeros({}, v.reconstruction.options());
    v.loss = v.reconstruction;
    return v;
  }
};

}  // namespace

const ModelKind& tae_model_kind() {
  static const ModelKind kind = [] {
    ModelKind k;
    k.name = "tae";
    k.display_name = "TAE";
    k.config_name = "TAE";
    k.aliases = {"TimeLaggedAE", "time-lagged autoencoder"};
    k.summary = "TAE: time-lagged autoencoder, encode x_t, decode x_{t+tau}";
    k.objective = [] { return std::unique_ptr<Objective>(std::make_unique<TAEObjective>()); };
    return k;
  }();
  return kind;
}

}  // namespace dynae
