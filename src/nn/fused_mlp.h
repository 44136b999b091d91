#pragma once
// Forward and backward passes of a fully connected network (nn/mlp.h) written
// out by hand over plain float buffers, each layer one small-matrix product
// (cpu/small_gemm.h: dynae's own kernels, chosen by CPU features) plus a fused
// bias/activation loop. At the reference sizes (h = 32, batches of 512 rows)
// LibTorch spends most of a step in per-op dispatch and autograd bookkeeping;
// this does the same arithmetic with none of it.
//
// Rows are processed in chunks of kRowChunk, split between the members of a
// ThreadTeam when one is set: each row's outputs and input gradients are
// computed alone, and the weight gradients are summed per chunk and then
// over the chunks in order, so the results are the same bits for any number
// of threads. Torch-free: the weights are
// read through pointers into the Mlp's own parameter tensors, so both paths
// always see one set of weights. Tested against LibTorch autograd
// (tests/test_fused.cpp).
#include <cstdint>
#include <vector>

#include "nn/activation.h"

namespace dynae {

class ThreadTeam;

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

  /// Rows per chunk of the forward and backward passes (and of the
  /// weight gradients' partial sums).
  static constexpr int64_t kRowChunk = 64;

  /// Splits the passes' row chunks between `team`'s members (nullptr: the
  /// calling thread alone). The team must outlive its use here.
  void set_team(ThreadTeam* team) { team_ = team; }

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
  /// What each team member keeps for itself.
  struct Member {
    std::vector<std::vector<float>> wt;  // per layer, W^T (in, out), from its last forward
    std::vector<float> scratch;
  };
  void transpose_weights(Member& m) const;
  void forward_rows(int64_t r0, int64_t r1, const Member& m);
  void backward_chunk(int64_t c, const float* grad_out, bool input_grad, Member& m);
  template <class F>
  void for_chunks(int64_t chunks, F&& f);

  std::vector<DenseLayer> layers_;
  Activation activation_ = Activation::ReLU;
  ThreadTeam* team_ = nullptr;
  const float* x_ = nullptr;
  int64_t rows_ = 0;
  std::vector<std::vector<float>> outputs_;     // per layer, after its activation
  std::vector<std::vector<float>> sigmoids_;    // per layer, sigmoid(pre-activation): SiLU only
  std::vector<std::vector<float>> grad_pre_;    // per layer, dL/d(pre-activation) (rows, out)
  std::vector<std::vector<float>> grad_in_;     // per layer, dL/d(its input) (rows, in)
  std::vector<std::vector<float>> partial_w_;   // per layer, per chunk dL/dW (out, in)
  std::vector<std::vector<float>> partial_b_;   // per layer, per chunk dL/db (out)
  std::vector<Member> members_;
};

}  // namespace dynae
