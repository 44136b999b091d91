#include "training/fused_binding.h"

#include <torch/torch.h>

#include "nn/mlp.h"

namespace dynae {
namespace {

bool usable(const torch::Tensor& t) {
  return t.defined() && t.device().is_cpu() && t.scalar_type() == torch::kFloat32 && t.is_contiguous();
}

}  // namespace

bool collect_mlp_parameters(const MlpImpl& net, std::vector<FlatAdam::Segment>& segments) {
  for (const auto& lin : net.layers()) {
    for (const torch::Tensor& t : {lin->weight, lin->bias}) {
      if (!usable(t)) return false;
      segments.push_back({t.data_ptr<float>(), t.numel()});
    }
  }
  return true;
}

FusedMlp bind_fused_mlp(const MlpImpl& net, FlatAdam& optimizer, size_t first) {
  std::vector<DenseLayer> layers;
  size_t segment = first;
  for (const auto& lin : net.layers()) {
    DenseLayer l;
    l.weight = lin->weight.data_ptr<float>();
    l.bias = lin->bias.data_ptr<float>();
    l.out = lin->weight.size(0);
    l.in = lin->weight.size(1);
    l.grad_weight = optimizer.grad(segment++);
    l.grad_bias = optimizer.grad(segment++);
    layers.push_back(l);
  }
  return FusedMlp(std::move(layers), net.options().activation());
}

}  // namespace dynae
