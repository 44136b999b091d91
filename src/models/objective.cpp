#include "models/objective.h"

#include "dynae/errors.h"
#include "losses/reconstruction.h"

namespace dynae {

torch::Tensor pair_reconstruction(const torch::Tensor& out, const PairBatch& b) {
  const int64_t n = b.y0.size(0);
  return reconstruction_error(out.slice(0, 0, n), b.y0) + reconstruction_error(out.slice(0, n), b.y1);
}

std::unique_ptr<Objective> make_objective(const std::string& model) {
  if (model == "dynae") return make_dynae_objective();
  if (model == "vae") return make_vae_objective();
  if (model == "swae") return make_swae_objective();
  if (model == "sdevae") return make_sdevae_objective();
  if (model == "tae") return make_tae_objective();
  throw ConfigError("model '" + model + "' is not trained by gradient descent");
}

}  // namespace dynae
