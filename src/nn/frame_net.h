#pragma once
// Interface of the networks that map frames to latents and back.
#include <torch/torch.h>

namespace dynae {

/// A network taking a batch (N, ...) to (N, ...). Encoders and decoders of
/// every kind (fully connected, convolutional) implement it.
class FrameNetImpl : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
};

/// Re-initialises every Linear, Conv2d and ConvTranspose2d layer as PyTorch
/// does by default (weights and biases uniform in +-1/sqrt(fan_in)), drawing
/// from `gen` so that a seed alone fixes the initial weights.
void init_layers(torch::nn::Module& module, at::Generator& gen);

}  // namespace dynae
