#include "nn/mlp.h"

#include <cmath>

namespace dynae {

void init_linear_layers(torch::nn::Module& module, at::Generator& gen) {
  torch::NoGradGuard no_grad;
  for (auto& m : module.modules(/*include_self=*/true)) {
    if (auto* lin = m->as<torch::nn::Linear>()) {
      const double bound = 1.0 / std::sqrt(static_cast<double>(lin->weight.size(1)));
      lin->weight.uniform_(-bound, bound, gen);
      if (lin->bias.defined()) lin->bias.uniform_(-bound, bound, gen);
    }
  }
}

MlpImpl::MlpImpl(const MlpOptions& options) : options_(options) {
  TORCH_CHECK(options.in() > 0 && options.hidden() > 0 && options.out() > 0,
              "Mlp sizes must be positive, got in=", options.in(), " hidden=", options.hidden(),
              " out=", options.out());
  std::vector<std::pair<int64_t, int64_t>> dims;
  dims.emplace_back(options.in(), options.hidden());
  for (int64_t i = 0; i < options.inner_layers(); ++i) dims.emplace_back(options.hidden(), options.hidden());
  dims.emplace_back(options.hidden(), options.out());
  for (size_t i = 0; i < dims.size(); ++i) {
    layers_.push_back(register_module("linear" + std::to_string(i),
                                      torch::nn::Linear(dims[i].first, dims[i].second)));
  }
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
  torch::Tensor h = x.dim() == 2 ? x : x.reshape({x.size(0), -1});
  for (size_t i = 0; i < layers_.size(); ++i) {
    h = layers_[i]->forward(h);
    if (i + 1 < layers_.size()) h = options_.activation() == Activation::ReLU ? torch::relu(h) : torch::tanh(h);
  }
  return h;
}

}  // namespace dynae
