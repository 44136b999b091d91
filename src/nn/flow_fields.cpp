#include "nn/flow_fields.h"

#include "dynae/errors.h"

namespace dynae {

FlowFieldsImpl::FlowFieldsImpl(const FlowFieldsOptions& options) : options_(options) {
  const int64_t d = options.dim();
  if (d < 1 || options.potential() < 0 || options.rotational() < 0 || options.hidden() < 1) {
    throw ConfigError("flow fields: expected d >= 1, counts >= 0 and a width >= 1");
  }
  if (options.rotational() > 0 && d < 2) {
    throw ConfigError("flow fields: a rotational (divergence-free) field needs a latent of at least 2 dimensions");
  }
  const MlpOptions scalar = MlpOptions(d, options.hidden(), 1).inner_layers(1).activation(Activation::Tanh);
  for (int64_t k = 0; k < options.potential(); ++k) {
    potential_nets_.push_back(register_module("potential" + std::to_string(k), Mlp(scalar)));
  }
  const int64_t pairs = d * (d - 1) / 2;
  for (int64_t k = 0; k < options.rotational(); ++k) {
    for (int64_t p = 0; p < pairs; ++p) {
      stream_nets_.push_back(
          register_module("stream" + std::to_string(k) + "_" + std::to_string(p), Mlp(scalar)));
    }
  }
}

torch::Tensor FlowFieldsImpl::potentials(const torch::Tensor& z) {
  std::vector<torch::Tensor> u;
  for (auto& net : potential_nets_) u.push_back(net->forward(z));
  if (u.empty()) return torch::zeros({z.size(0), 0}, z.options());
  return torch::cat(u, 1);
}

torch::Tensor FlowFieldsImpl::forward(const torch::Tensor& z) {
  const int64_t d = options_.dim();
  TORCH_CHECK(z.dim() == 2 && z.size(1) == d, "flow fields: expected z of shape (N, ", d, ")");
  std::vector<torch::Tensor> fields;
  for (auto& net : potential_nets_) fields.push_back(-net->input_gradient(z));
  const int64_t pairs = d * (d - 1) / 2;
  for (int64_t k = 0; k < options_.rotational(); ++k) {
    // v_i = sum_j dA_ij/dz_j: for each pair i < j, A_ij adds its z_j-derivative
    // to v_i and A_ji = -A_ij subtracts its z_i-derivative from v_j.
    torch::Tensor v = torch::zeros_like(z);
    int64_t p = 0;
    for (int64_t i = 0; i < d; ++i) {
      for (int64_t j = i + 1; j < d; ++j, ++p) {
        const torch::Tensor g = stream_nets_[static_cast<size_t>(k * pairs + p)]->input_gradient(z);  // (N, d)
        v = v.index_add(1, torch::tensor({i, j}), torch::stack({g.select(1, j), -g.select(1, i)}, 1));
      }
    }
    fields.push_back(v);
  }
  if (fields.empty()) return torch::zeros({z.size(0), 0, d}, z.options());
  return torch::stack(fields, 1);
}

}  // namespace dynae
