#pragma once
// What a Model holds: options, networks, the learned prior (DynAE, SDE-VAE),
// TICA's spectrum and the last cluster centres. One struct for every model
// kind; options.model says which parts are used.
#include <torch/torch.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dynae/data/feature_scaling.h"
#include "dynae/models/model.h"
#include "nn/frame_net.h"
#include "nn/sparse_transformations.h"
#include "priors/langevin_prior.h"

namespace dynae {

/// A named set of trainable parameters with its own optimizer.
struct ParameterGroup {
  std::string name;  ///< "autoencoder" or "prior"
  std::vector<torch::Tensor> parameters;
};

struct Model::Impl {
  ModelOptions options;
  std::vector<int64_t> input_shape;   ///< one input frame
  std::vector<int64_t> target_shape;  ///< one target frame
  std::shared_ptr<FrameNetImpl> encoder;
  std::shared_ptr<FrameNetImpl> decoder;
  mutable LangevinPrior prior{nullptr};  // ModuleHolder is const-deep; forward is logically const
  /// STA only (null otherwise): the flow-field dictionary and the speed inference net.
  std::shared_ptr<SparseTransformationsImpl> transformations;
  Array centers;      ///< (K, d), may be empty
  Array eigenvalues;  ///< TICA: every eigenvalue of the generalized problem, descending
  /// DynAE with a free force and unit diffusion: the latent's own diffusion
  /// matrix (d, d), measured after the prior refit (see
  /// Model::latent_diffusion); empty when not measured.
  Array latent_diffusion;
  int64_t epochs_trained = 0;
  TrainingQuality quality;  ///< measured at the end of training (neural models)
  Identifiability identifiability;  ///< measured at the end of training (DynAE)
  std::vector<std::string> feature_names;  ///< input columns by name (COLVAR / CSV inputs); empty for .npy
  /// Option standardize: the networks see (x - shift) / scale and give
  /// standardised targets; Model's encode / decode and the export apply these.
  FeatureScaling input_scaling, target_scaling;

  /// Networks built from options, weights initialised from gen.
  Impl(ModelOptions options, std::vector<int64_t> input_shape, std::vector<int64_t> target_shape,
       at::Generator& gen);
  /// Networks built from options with LibTorch's default initialisation
  /// (to be overwritten by a checkpoint or a copy).
  Impl(ModelOptions options, std::vector<int64_t> input_shape, std::vector<int64_t> target_shape);

  bool variational() const { return options.variational(); }
  bool has_dynamics() const { return options.has_dynamics(); }

  /// A deep copy (weights and buffers copied, no shared storage).
  std::shared_ptr<Impl> clone() const;
  /// Sets train/eval mode of every network.
  void train(bool on) const;

  /// z = E(x), x (N, ...input_shape) -> (N, d); the posterior mean for the VAEs.
  torch::Tensor encode(const torch::Tensor& x) const;
  /// (mean, log-variance), each (N, d); variational models only.
  std::pair<torch::Tensor, torch::Tensor> posterior(const torch::Tensor& x) const;
  /// D(z) reshaped to (N, ...target_shape).
  torch::Tensor decode(const torch::Tensor& z) const;
  /// Encodes in chunks without gradient (for whole trajectories); with
  /// `log_variance` the posterior log-variances instead of the means.
  torch::Tensor encode_all(const torch::Tensor& x, bool log_variance = false, int64_t chunk = 8192) const;

  /// "autoencoder" (encoder, decoder, the SDE-VAE's force net, STA's fields and speed net), then
  /// "prior" (DynAE: force and diffusion nets, trained by their own step).
  /// Empty for TICA.
  std::vector<ParameterGroup> parameter_groups() const;
  /// True when every weight is finite.
  bool weights_finite() const;
};

}  // namespace dynae
