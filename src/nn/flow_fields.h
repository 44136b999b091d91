#pragma once
// A dictionary of latent flow fields for Sparse Transformation Analysis
// (issue 42): K_c potential fields v = -grad U_k(z), curl-free, and K_r
// rotational fields v_i = sum_j dA_ij/dz_j with A(z) an antisymmetric matrix
// field, divergence-free for any A (div v = sum_ij d^2 A_ij / dz_i dz_j, and
// an antisymmetric A against the symmetric second derivatives sums to 0). In
// 2-D, A_01 = psi and v = (dpsi/dz1, -dpsi/dz0): the rotated gradient of a
// stream function. Each scalar (U_k, and each A_ij above the diagonal) is its
// own tanh network, whose input gradient is written out layer by layer
// (MlpImpl::input_gradient), so the fields stay differentiable in the weights
// with one ordinary backward pass.
#include <torch/torch.h>

#include <vector>

#include "nn/mlp.h"

namespace dynae {

struct FlowFieldsOptions {
  FlowFieldsOptions(int64_t dim, int64_t potential, int64_t rotational)
      : dim_(dim), potential_(potential), rotational_(rotational) {}
  TORCH_ARG(int64_t, dim);         ///< latent dimension d (>= 2 when rotational > 0)
  TORCH_ARG(int64_t, potential);   ///< K_c
  TORCH_ARG(int64_t, rotational);  ///< K_r
  TORCH_ARG(int64_t, hidden) = 32;  ///< width of each scalar network (two tanh hidden layers)
};

class FlowFieldsImpl : public torch::nn::Module {
 public:
  explicit FlowFieldsImpl(const FlowFieldsOptions& options);
  /// Every field at z (N, d): (N, K, d), K = K_c + K_r, the potential fields first.
  torch::Tensor forward(const torch::Tensor& z);
  /// The potentials U_k(z) (N, K_c), whose negative gradients are the first K_c fields.
  torch::Tensor potentials(const torch::Tensor& z);
  int64_t count() const { return options_.potential() + options_.rotational(); }
  const FlowFieldsOptions& options() const { return options_; }

 private:
  FlowFieldsOptions options_;
  std::vector<Mlp> potential_nets_;  ///< K_c scalar nets
  std::vector<Mlp> stream_nets_;     ///< K_r x d(d-1)/2 scalar nets: A_ij, i < j, row-major per field
};
TORCH_MODULE(FlowFields);

}  // namespace dynae
