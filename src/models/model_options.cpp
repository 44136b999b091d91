#include "dynae/models/model_options.h"

#include <cctype>
#include <cmath>
#include <sstream>

#include "dynae/errors.h"

namespace dynae {
namespace {

template <typename T>
void require(bool ok, const char* name, T value, const char* expected) {
  if (!ok) {
    std::ostringstream os;
    os << "option " << name << " = " << value << " is invalid: expected " << expected;
    throw ConfigError(os.str());
  }
}

}  // namespace

const std::vector<std::string>& model_names() {
  static const std::vector<std::string> names{"dynae", "vae", "swae", "sdevae", "tae", "tica"};
  return names;
}

std::string canonical_model_name(const std::string& name) {
  std::string l;
  for (char c : name) {
    if (c != '-' && c != '_' && c != ' ') l += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (l == "dynae" || l == "dynamicsae") return "dynae";
  if (l == "vae") return "vae";
  if (l == "swae") return "swae";
  if (l == "sdevae") return "sdevae";
  if (l == "tae" || l == "timelaggedae" || l == "timelaggedautoencoder") return "tae";
  if (l == "tica") return "tica";
  return "";
}

std::string model_display_name(const std::string& model) {
  const std::string c = canonical_model_name(model);
  if (c == "dynae") return "DynAE";
  if (c == "sdevae") return "SDE-VAE";
  std::string u = c.empty() ? model : c;
  for (char& ch : u) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return u;
}

void ModelOptions::validate() const {
  require(canonical_model_name(model) == model, "model", model,
          "one of dynae (DynamicsAE), vae, swae, sdevae (SDE-VAE), tae (time-lagged autoencoder), tica");
  require(latent_dim >= 1, "d (latent_dim)", latent_dim, "an integer >= 1");
  require(encoder_hidden >= 1, "neuron_num1 (encoder_hidden)", encoder_hidden, "an integer >= 1");
  require(decoder_hidden >= 1, "neuron_num2 (decoder_hidden)", decoder_hidden, "an integer >= 1");
  require(prior_hidden >= 1, "prior_neuron_num (prior_hidden)", prior_hidden, "an integer >= 1");
  require(encoder_type == "fc" || encoder_type == "conv", "encoder_type", encoder_type, "fc or conv (fc_encoder, conv_encoder)");
  require(decoder_type == "fc" || decoder_type == "deconv", "decoder_type", decoder_type, "fc or deconv (fc_decoder, deconv_decoder)");
  require(projections >= 1, "projection_num", projections, "an integer >= 1");
  require(min_dist > 0 && std::isfinite(min_dist), "min_dist", min_dist, "a positive number (latent units)");
  require(bias_factor >= 1 && std::isfinite(bias_factor), "bias_factor", bias_factor, "a number >= 1");
  require(max_centers >= 1 && max_centers <= 255, "max_centers", max_centers, "an integer in [1, 255]");
  require(sdevae_nu > 0 && std::isfinite(sdevae_nu), "sdevae_nu", sdevae_nu, "a positive number");
  require(tica_ridge >= 0 && std::isfinite(tica_ridge), "tica_ridge", tica_ridge, "a number >= 0");
  require(lag >= 1, "lag", lag, "an integer >= 1 (frames)");
  require(test_fraction >= 0 && test_fraction < 1, "test_fraction", test_fraction, "a number in [0, 1)");
  require(batch_size >= 2, "batch_size", batch_size, "an integer >= 2");
  require(epochs >= 1, "max_epochs", epochs, "an integer >= 1");
  require(learning_rate > 0 && std::isfinite(learning_rate), "learning_rate", learning_rate, "a positive number");
  require(beta >= 0 && std::isfinite(beta), "beta", beta, "a number >= 0");
  require(lr_step_size >= 1, "lr_scheduler_step_size", lr_step_size, "an integer >= 1 (epochs)");
  require(lr_gamma > 0 && std::isfinite(lr_gamma), "lr_scheduler_gamma", lr_gamma, "a positive number");
  require(warmup_epochs >= 1 && warmup_epochs <= epochs, "warmup_epochs", warmup_epochs, "an integer from 1 to max_epochs");
  require(prior_refit_steps >= 0, "prior_refit_steps", prior_refit_steps, "an integer >= 0 (0 = no refit)");
  require(warmup_learning_rate > 0, "warmup_learning_rate", warmup_learning_rate, "a positive number");
  require(warmup_beta_factor >= 0, "warmup_beta_factor", warmup_beta_factor, "a number >= 0");
}

}  // namespace dynae
