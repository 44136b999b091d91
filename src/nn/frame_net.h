#pragma once
// Interface of the networks that map frames to latents and back.
#include <torch/torch.h>

namespace dynae {

/// A network written as TorchScript source (for export): the tensors the code
/// reads, to be registered on the exported module under their names, and the
/// statements of its forward method.
struct ScriptWriter {
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  std::string code;  ///< statements, one per line, indented for a method body
  /// Registers a copy of `t` (detached, float32) as `name`; returns "self.name".
  std::string tensor(const std::string& name, const torch::Tensor& t);
  void line(const std::string& statement) { code += "    " + statement + "\n"; }
};

/// A network taking a batch (N, ...) to (N, ...). Encoders and decoders of
/// every kind (fully connected, convolutional) implement it.
class FrameNetImpl : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
  /// Writes the statements computing `out` (N, outputs) from `in` (N, inputs,
  /// float32) into `w`, its tensors named with `prefix`. The default throws
  /// Error: the network has no TorchScript form yet.
  virtual void write_script(ScriptWriter& w, const std::string& prefix, const std::string& in,
                            const std::string& out) const;
};

/// Re-initialises every Linear, Conv2d and ConvTranspose2d layer as PyTorch
/// does by default (weights and biases uniform in +-1/sqrt(fan_in)), drawing
/// from `gen` so that a seed alone fixes the initial weights.
void init_layers(torch::nn::Module& module, at::Generator& gen);

}  // namespace dynae
