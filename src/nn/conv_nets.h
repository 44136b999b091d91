#pragma once
// Convolutional encoder and decoder for image frames (METHOD.md "Networks").
// The number of stride-2 layers follows the frame size: S -> 4 pixels takes
// log2(S / 4) layers (4 for 64 x 64, as the reference; 3 for 32 x 32).
#include <torch/torch.h>

#include "nn/frame_net.h"

namespace dynae {

/// Frame shape (C, S, S) or (S, S) (one channel) -> {C, S, number of stride-2
/// layers}. Throws ConfigError (naming `what`) unless S is a power of two >= 8.
std::array<int64_t, 3> image_geometry(const std::vector<int64_t>& frame_shape, const std::string& what);

/// Channels after stride-2 layer i (0-based): 32, 32, 64, 64, 64, ...
int64_t conv_channels(int64_t layer);

/// n x [Conv2d(k=4, s=2, p=1) ReLU], Conv2d 1x1 to hidden/16 channels ReLU,
/// flatten (hidden features), Linear(hidden, latent).
class ConvEncoderImpl : public FrameNetImpl {
 public:
  ConvEncoderImpl(const std::vector<int64_t>& frame_shape, int64_t hidden, int64_t latent);
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  int64_t channels_, size_;
  std::vector<torch::nn::Conv2d> convs_;
  torch::nn::Conv2d squeeze_{nullptr};
  torch::nn::Linear out_{nullptr};
};

/// Linear(latent, hidden) ReLU, Linear(hidden, 1024) ReLU, reshape 64 x 4 x 4,
/// (n - 1) x [ConvTranspose2d(k=4, s=2, p=1) ReLU], ConvTranspose2d to C channels.
class DeconvDecoderImpl : public FrameNetImpl {
 public:
  DeconvDecoderImpl(int64_t latent, int64_t hidden, const std::vector<int64_t>& frame_shape);
  torch::Tensor forward(const torch::Tensor& z) override;

 private:
  torch::nn::Linear in1_{nullptr}, in2_{nullptr};
  std::vector<torch::nn::ConvTranspose2d> deconvs_;
};

}  // namespace dynae
