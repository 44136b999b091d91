#pragma once
// What a DynAEModel holds: options, networks and the last cluster centres.
#include <torch/torch.h>

#include <memory>

#include "dynae/models/dynae.h"
#include "nn/frame_net.h"
#include "priors/langevin_prior.h"

namespace dynae {

struct DynAEModel::Impl {
  DynAEOptions options;
  std::vector<int64_t> input_shape;   ///< one input frame
  std::vector<int64_t> target_shape;  ///< one target frame
  std::shared_ptr<FrameNetImpl> encoder;
  std::shared_ptr<FrameNetImpl> decoder;
  mutable LangevinPrior prior{nullptr};  // ModuleHolder is const-deep; forward is logically const
  Array centers;  ///< (K, d), may be empty
  int64_t epochs_trained = 0;

  /// Networks built from options, weights initialised from gen.
  Impl(DynAEOptions options, std::vector<int64_t> input_shape, std::vector<int64_t> target_shape,
       at::Generator& gen);
  /// Networks built from options with LibTorch's default initialisation
  /// (to be overwritten by a checkpoint or a copy).
  Impl(DynAEOptions options, std::vector<int64_t> input_shape, std::vector<int64_t> target_shape);

  /// A deep copy (weights copied, no shared storage).
  std::shared_ptr<Impl> clone() const;
  /// Sets train/eval mode of every network.
  void train(bool on) const;

  /// z = E(x), x (N, ...input_shape) -> (N, d).
  torch::Tensor encode(const torch::Tensor& x) const;
  /// D(z) reshaped to (N, ...target_shape).
  torch::Tensor decode(const torch::Tensor& z) const;
  /// Encodes in chunks without gradient (for whole trajectories).
  torch::Tensor encode_all(const torch::Tensor& x, int64_t chunk = 8192) const;

  std::vector<torch::Tensor> autoencoder_parameters() const;
  std::vector<torch::Tensor> prior_parameters() const;
  /// True when every weight is finite.
  bool weights_finite() const;
};

}  // namespace dynae
