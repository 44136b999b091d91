#pragma once
// The kinds of model dynae trains (DynAE and the baselines), as a registry:
// each kind is declared once, in its own file under src/models/kinds/, with
// the traits the rest of the library asks about (is it variational, does it
// resample, how is its prior trained) and how it is fitted. Adding a model is
// that one file plus its entry in src/models/model_kinds.cpp.
#include <memory>
#include <string>
#include <vector>

namespace dynae {

class Model;
class Objective;  // the loss of a minibatch (src/models/objective.h)
class TrajectorySet;
struct ModelOptions;

/// How a kind's learned latent force field (if any) is trained.
enum class PriorTraining {
  None,             ///< no prior networks
  WithAutoencoder,  ///< by the autoencoder's own loss and optimizer (SDE-VAE)
  OwnStep,          ///< by its own step on the detached latents (DynAE)
};

/// The transition density of a kind's learned latent dynamics, one lag.
enum class LatentDynamics {
  None,
  Langevin,        ///< z' = z + D f + div D + sqrt(2 D) xi (DynAE)
  EulerUnitNoise,  ///< z' = z + f + xi (SDE-VAE)
};

struct ModelKind {
  std::string name;                  ///< canonical name: "dynae"
  std::string display_name;          ///< for tables and messages: "DynAE"
  std::string config_name;           ///< written as `model = ...` in config.ini: "DynamicsAE"
  std::vector<std::string> aliases;  ///< other accepted spellings ("DynamicsAE"); case, '-', '_', ' ' ignored
  std::string summary;               ///< one line for help texts
  bool variational = false;          ///< the encoder gives a mean and a log-variance
  bool resamples = false;            ///< pairs resampled by regular-space clustering each epoch
  bool linear = false;               ///< linear encoder and decoder maps
  bool fused_kernels = false;        ///< the fused training kernels implement its step
  bool flow_fields = false;          ///< a dictionary of latent flow fields with per-transition speeds (STA)
  PriorTraining prior = PriorTraining::None;
  LatentDynamics dynamics = LatentDynamics::None;
  /// Trained by gradient descent: its minibatch loss (internal).
  std::unique_ptr<Objective> (*objective)() = nullptr;
  /// Or solved in closed form (no epochs, no seed dependence).
  Model (*fit_closed_form)(const ModelOptions&, const TrajectorySet&) = nullptr;

  ModelKind() = default;
  ModelKind(std::string name_, std::string display_name_, std::string config_name_, std::string summary_)
      : name(std::move(name_)),
        display_name(std::move(display_name_)),
        config_name(std::move(config_name_)),
        summary(std::move(summary_)) {}
  // Chainable setters, for the kinds' declarations.
  ModelKind& set_aliases(std::vector<std::string> v) {
    aliases = std::move(v);
    return *this;
  }
  ModelKind& set_variational(bool v) {
    variational = v;
    return *this;
  }
  ModelKind& set_resamples(bool v) {
    resamples = v;
    return *this;
  }
  ModelKind& set_linear(bool v) {
    linear = v;
    return *this;
  }
  ModelKind& set_fused_kernels(bool v) {
    fused_kernels = v;
    return *this;
  }
  ModelKind& set_flow_fields(bool v) {
    flow_fields = v;
    return *this;
  }
  ModelKind& set_prior(PriorTraining v) {
    prior = v;
    return *this;
  }
  ModelKind& set_dynamics(LatentDynamics v) {
    dynamics = v;
    return *this;
  }
  ModelKind& set_objective(std::unique_ptr<Objective> (*v)()) {
    objective = v;
    return *this;
  }
  ModelKind& set_fit_closed_form(Model (*v)(const ModelOptions&, const TrajectorySet&)) {
    fit_closed_form = v;
    return *this;
  }

  bool has_dynamics() const { return dynamics != LatentDynamics::None; }
  bool closed_form() const { return fit_closed_form != nullptr; }
};

/// Every kind, in the order of the comparison table.
const std::vector<const ModelKind*>& model_kinds();
/// The kind of any accepted spelling ("DynamicsAE", "SDE-VAE", "tae"), or nullptr.
const ModelKind* find_model_kind(const std::string& name);
/// The kind of a name; throws ConfigError listing the known ones.
const ModelKind& model_kind(const std::string& name);

}  // namespace dynae
