#pragma once
// Fully connected networks: encoder, decoder (METHOD.md "Networks") and the
// prior's force/diffusion nets.
#include <torch/torch.h>

#include "nn/activation.h"
#include "nn/frame_net.h"

namespace dynae {

struct MlpOptions {
  MlpOptions(int64_t in, int64_t hidden, int64_t out) : in_(in), hidden_(hidden), out_(out) {}
  TORCH_ARG(int64_t, in);
  TORCH_ARG(int64_t, hidden);
  TORCH_ARG(int64_t, out);
  /// Number of Linear(hidden, hidden) layers between input and output layers.
  TORCH_ARG(int64_t, inner_layers) = 2;
  TORCH_ARG(Activation, activation) = Activation::ReLU;
  /// The hidden layers' widths, input side first; when given, hidden and
  /// inner_layers are not used.
  TORCH_ARG(std::vector<int64_t>, widths);
};

/// Linear(in, h) act, inner_layers x [Linear(h, h) act], Linear(h, out)
/// (or Linear(in, w1) act, Linear(w1, w2) act, ..., Linear(wn, out)).
/// Input (N, ...) is flattened to (N, in).
class MlpImpl : public FrameNetImpl {
 public:
  explicit MlpImpl(const MlpOptions& options);
  torch::Tensor forward(const torch::Tensor& x) override;
  void write_script(ScriptWriter& w, const std::string& prefix, const std::string& in,
                    const std::string& out) const override;
  /// For a net with one output and tanh activations: the gradient of the
  /// output with respect to the input, (N, in), written out layer by layer
  /// (no autograd.grad), so it stays differentiable in the weights with one
  /// ordinary backward pass. Throws Error for other nets.
  torch::Tensor input_gradient(const torch::Tensor& x);
  /// The same gradient as TorchScript statements: `out` = d net / d `in`.
  void write_gradient_script(ScriptWriter& w, const std::string& prefix, const std::string& in,
                             const std::string& out) const;
  const MlpOptions& options() const { return options_; }
  /// The Linear layers, input first (for the fused kernels).
  const std::vector<torch::nn::Linear>& layers() const { return layers_; }

 private:
  MlpOptions options_;
  std::vector<torch::nn::Linear> layers_;
};
TORCH_MODULE(Mlp);

}  // namespace dynae
