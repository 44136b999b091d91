#include "models/objective.h"

#include "dynae/errors.h"
#include "dynae/models/model_kind.h"
#include "losses/reconstruction.h"

namespace dynae {

torch::Tensor pair_reconstruction(const torch::Tensor& out, const PairBatch& batch) {
  const int64_t n = batch.y0.size(0);
  return reconstruction_error(out.slice(0, 0, n), batch.y0) + reconstruction_error(out.slice(0, n), batch.y1);
}

BatchLoss autoencode_pairs(const Model::Impl& model, const PairBatch& batch, torch::Tensor& z) {
  const int64_t n = batch.x0.size(0);
  z = model.encode(torch::cat({batch.x0, batch.x1}));
  const torch::Tensor out = model.decode(z);
  BatchLoss terms;
  terms.z0 = z.slice(0, 0, n);
  terms.z1 = z.slice(0, n);
  terms.reconstruction = pair_reconstruction(out, batch);
  return terms;
}

std::unique_ptr<Objective> make_objective(const std::string& model) {
  const ModelKind& kind = model_kind(model);
  if (!kind.objective) throw ConfigError("model '" + model + "' is not trained by gradient descent");
  return kind.objective();
}

}  // namespace dynae
