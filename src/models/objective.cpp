#include "models/objective.h"

#include "dynae/errors.h"
#include "dynae/models/model_kind.h"
#include "losses/reconstruction.h"

namespace dynae {

torch::Tensor pair_reconstruction(const torch::Tensor& out, const PairBatch& batch) {
  const int64_t n = batch.y0.size(0);
  return reconstruction_error(out.slice(0, 0, n), batch.y0) + reconstruction_error(out.slice(0, n), batch.y1);
}

std::unique_ptr<Objective> make_objective(const std::string& model) {
  const ModelKind& kind = model_kind(model);
  if (!kind.objective) throw ConfigError("model '" + model + "' is not trained by gradient descent");
  return kind.objective();
}

}  // namespace dynae
