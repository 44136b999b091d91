#pragma once
// Forward and backward passes of a fully connected network (nn/mlp.h) written
// out by hand over plain float buffers, each layer one BLAS sgemm plus a fused
// bias/activation loop. At the reference sizes (h = 32, batches of 512 rows)
// LibTorch spends most of a step in per-op dispatch and autograd bookkeeping;
// this does the same arithmetic with none of it. Torch-free: the weights are
// read through pointers into the Mlp's own parameter tensors, so both paths
// always see one set of weights. Tested against LibTorch autograd
// (tests/test_fused.cpp).
#include <cstdint>
#include <vector>

#include "nn/activation.h"

namespace dynae {

/// One Linear layer: y = x W^T + b, W (out, in) row-major as torch::nn::Linear
/// stores it. The gradient pointers may be null when no gradient is wanted.
struct DenseLayer {
  const float* weight = nullptr;
  const float* bias = nullptr;
  float* grad_weight = nullptr;  ///< (out, in), accumulated by backward
  float* grad_bias = nullptr;    ///< (out), accumulated by backward
  int64_t in = 0, out = 0;
};

/// Dense layers with `activation` after every layer but the last.
class FusedMlp {
 public:
  FusedMlp() = default;
  FusedMlp(std::vector<DenseLayer> layers, Activation activation);

  int64_t in() const { return layers_.front().in; }
  int64_t out() const { return layers_.back().out; }

  /// The network's output for `rows` rows of x (rows, in); (rows, out),
  /// valid until the next forward. Keeps what backward needs (and x itself,
  /// which must stay valid until then).
  const float* forward(const float* x, int64_t rows);
  /// Given dL/dy (rows, out) for the last forward: adds dL/dW and dL/db to
  /// the layers' gradient buffers and, when `input_grad`, returns dL/dx
  /// (rows, in), valid until the next call; otherwise nullptr.
  const float* backward(const float* grad_out, bool input_grad);

 private:
  std::vector<DenseLayer> layers_;
  Activation activation_ = Activation::ReLU;
  const float* x_ = nullptr;
  int64_t rows_ = 0;
  std::vector<std::vector<float>> outputs_;  // per layer, after its activation
  std::vector<float> grad_a_, grad_b_;       // gradient buffers, used in turn
  std::vector<float> wt_;                    // a thin layer's W^T
};

}  // namespace dynae
