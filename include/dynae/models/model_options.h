#pragma once
// Every hyper-parameter of a model (DynAE and the baselines), with the
// reference implementation's defaults (METHOD.md). The options are declared
// once, in model_options.def: fields, chainable setters, INI keys, flags,
// ranges and help all come from there. Options a model does not use are
// ignored by it. validate() once before training.
#include <cstdint>
#include <string>
#include <vector>

#include "dynae/option_spec.h"

namespace dynae {

struct ModelOptions {
#define DYNAE_OPTION(member, type, value, declaration) type member = value;
#include "dynae/models/model_options.def"
#undef DYNAE_OPTION

#define DYNAE_OPTION(member, type, value, declaration) \
  ModelOptions& set_##member(type v) {                  \
    member = std::move(v);                              \
    return *this;                                       \
  }
#include "dynae/models/model_options.def"
#undef DYNAE_OPTION

  /// VAE and SDE-VAE: the encoder gives a mean and a log-variance.
  bool variational() const;
  /// DynAE and SDE-VAE: a learned force field of the latent dynamics.
  bool has_dynamics() const;
  /// force_field = conservative and a model with Langevin latent dynamics
  /// (DynAE): f = -grad U with U a scalar network. Other models ignore it.
  bool conservative_force() const;

  /// The hidden layers' widths of the fully connected encoder (decoder):
  /// encoder_widths unless it is auto, else encoder_layers x encoder_hidden.
  std::vector<int64_t> encoder_hidden_widths() const;
  std::vector<int64_t> decoder_hidden_widths() const;

  /// Starts of a training (option starts, auto resolved): 4 for DynAE trained
  /// for at least 20 epochs, else 1. One start is trained when it is 1 or
  /// max_epochs <= epochs_per_start().
  int64_t starts_asked() const;
  /// Epochs of each start (option start_epochs, auto resolved): a tenth of
  /// max_epochs, at least 2.
  int64_t epochs_per_start() const;

  /// Throws ConfigError naming the first out-of-range option and its value.
  void validate() const;
};

/// The declarations of every model option, bound to ModelOptions' fields,
/// in the order of model_options.def.
const std::vector<BoundOption<ModelOptions>>& model_option_table();

/// The canonical model names, in the order of the comparison table.
std::vector<std::string> model_names();
/// "DynamicsAE", "SDE-VAE", "TAE", "vae", ... -> the canonical name; empty when unknown.
std::string canonical_model_name(const std::string& name);
/// A display name: "DynAE", "VAE", "SWAE", "SDE-VAE", "TAE", "TICA".
std::string model_display_name(const std::string& model);

}  // namespace dynae
