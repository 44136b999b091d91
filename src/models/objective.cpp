#include "models/objective.h"

#include "dynae/errors.h"

namespace dynae {

std::unique_ptr<Objective> make_objective(const std::string& model) {
  if (model == "dynae") return make_dynae_objective();
  if (model == "vae") return make_vae_objective();
  if (model == "swae") return make_swae_objective();
  if (model == "sdevae") return make_sdevae_objective();
  if (model == "tae") return make_tae_objective();
  throw ConfigError("model '" + model + "' is not trained by gradient descent");
}

}  // namespace dynae
