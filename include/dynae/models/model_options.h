#pragma once
// Every hyper-parameter of a model (DynAE and the baselines), with the
// reference implementation's defaults (METHOD.md). Options a model does not use
// are ignored by it. Chainable setters; validate() once before training.
#include <cstdint>
#include <string>
#include <vector>

namespace dynae {

struct ModelOptions {
  // Model
  /// "dynae" (DynamicsAE), or a baseline: "vae", "swae", "sdevae", "tae"
  /// (time-lagged autoencoder), "tica" (linear, closed form).
  std::string model = "dynae";
  int64_t latent_dim = 2;          ///< d, the latent dimension
  int64_t encoder_hidden = 32;     ///< h of the encoder (reference key neuron_num1)
  int64_t decoder_hidden = 32;     ///< h of the decoder (reference key neuron_num2)
  int64_t prior_hidden = 32;       ///< hidden width of the force (and diffusion) nets
  std::string encoder_type = "fc"; ///< "fc" (any frames, flattened) or "conv" (image frames)
  std::string decoder_type = "fc"; ///< "fc" (any frames, flattened) or "deconv" (image frames)
  bool learn_diffusion = false;    ///< learned diagonal D(z) instead of D = 1
  int64_t projections = 50;        ///< L, sliced-Wasserstein directions per step
  double min_dist = 5.0;           ///< d_min of regular-space clustering (latent units)
  double bias_factor = 2.0;        ///< well-tempered exponent: w_k = n_k^(1/bias_factor)
  int64_t max_centers = 200;       ///< more centres than this is an error ("increase d_min"); at most 255
  double sdevae_nu = 0.0065;       ///< SDE-VAE: precision of the stationary prior N(0, I / nu) of z0
  double tica_ridge = 1e-6;        ///< TICA: ridge added to C(0), relative to the mean feature variance
  // Data
  int64_t lag = 1;                 ///< tau, in frames
  double test_fraction = 0.2;      ///< fraction of each trajectory's pairs held out
  // Training
  int64_t batch_size = 256;        ///< B
  int64_t epochs = 50;             ///< including the warm-up epoch 0
  double learning_rate = 1e-3;     ///< Adam, autoencoder (from epoch 1) and prior
  double beta = 10.0;              ///< weight of the sliced-Wasserstein term
  int64_t lr_step_size = 100;      ///< StepLR period, in epochs
  double lr_gamma = 1.0;           ///< StepLR factor (1 = no decay)
  int64_t warmup_epochs = 1;           ///< epochs of warm-up (reference: epoch 0 only)
  double warmup_learning_rate = 1e-4;  ///< autoencoder lr during the warm-up
  double warmup_beta_factor = 0.01;    ///< beta multiplier during the warm-up
  int64_t prior_refit_steps = 2000;    ///< DynAE: Adam steps refitting the prior to the final latent (0 = off)
  uint64_t seed = 0;
  /// Train the vector-data DynAE with fixed diffusion through the fused
  /// kernels (hand-written forward/backward, one flat Adam); false = the plain
  /// LibTorch autograd path, which gives the same numbers to float rounding.
  /// Other models and configurations always take the LibTorch path.
  bool fused_kernels = true;

#define DYNAE_SETTER(type, name) \
  ModelOptions& set_##name(type v) { name = v; return *this; }
  DYNAE_SETTER(const std::string&, model)
  DYNAE_SETTER(int64_t, latent_dim)
  DYNAE_SETTER(int64_t, encoder_hidden)
  DYNAE_SETTER(int64_t, decoder_hidden)
  DYNAE_SETTER(int64_t, prior_hidden)
  DYNAE_SETTER(const std::string&, encoder_type)
  DYNAE_SETTER(const std::string&, decoder_type)
  DYNAE_SETTER(bool, learn_diffusion)
  DYNAE_SETTER(int64_t, projections)
  DYNAE_SETTER(double, min_dist)
  DYNAE_SETTER(double, bias_factor)
  DYNAE_SETTER(int64_t, max_centers)
  DYNAE_SETTER(double, sdevae_nu)
  DYNAE_SETTER(double, tica_ridge)
  DYNAE_SETTER(int64_t, lag)
  DYNAE_SETTER(double, test_fraction)
  DYNAE_SETTER(int64_t, batch_size)
  DYNAE_SETTER(int64_t, epochs)
  DYNAE_SETTER(double, learning_rate)
  DYNAE_SETTER(double, beta)
  DYNAE_SETTER(int64_t, lr_step_size)
  DYNAE_SETTER(double, lr_gamma)
  DYNAE_SETTER(int64_t, warmup_epochs)
  DYNAE_SETTER(double, warmup_learning_rate)
  DYNAE_SETTER(double, warmup_beta_factor)
  DYNAE_SETTER(int64_t, prior_refit_steps)
  DYNAE_SETTER(uint64_t, seed)
  DYNAE_SETTER(bool, fused_kernels)
#undef DYNAE_SETTER

  /// VAE and SDE-VAE: the encoder gives a mean and a log-variance.
  bool variational() const { return model == "vae" || model == "sdevae"; }
  /// DynAE and SDE-VAE: a learned force field of the latent dynamics.
  bool has_dynamics() const { return model == "dynae" || model == "sdevae"; }

  /// Throws ConfigError naming the first out-of-range option and its value.
  void validate() const;
};

/// The canonical model names, in the order of the comparison table.
const std::vector<std::string>& model_names();
/// "DynamicsAE", "SDE-VAE", "TAE", "vae", ... -> the canonical name; empty when unknown.
std::string canonical_model_name(const std::string& name);
/// A display name: "DynAE", "VAE", "SWAE", "SDE-VAE", "TAE", "TICA".
std::string model_display_name(const std::string& model);

}  // namespace dynae
