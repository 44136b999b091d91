#include "training/fused_binding.h"

#include "models/model_impl.h"
#include "nn/mlp.h"

namespace dynae {
namespace {

bool usable(const torch::Tensor& t) {
  return t.defined() && t.device().is_cpu() && t.scalar_type() == torch::kFloat32 && t.is_contiguous();
}

/// Appends the Mlp's weights and biases to `segments`; false when unusable.
bool collect(const MlpImpl& net, std::vector<FlatAdam::Segment>& segments) {
  for (const auto& lin : net.layers()) {
    for (const torch::Tensor& t : {lin->weight, lin->bias}) {
      if (!usable(t)) return false;
      segments.push_back({t.data_ptr<float>(), t.numel()});
    }
  }
  return true;
}

/// The Mlp's layers with gradients in `opt`'s buffer, from segment `first` on.
FusedMlp fused(const MlpImpl& net, FlatAdam& opt, size_t first) {
  std::vector<DenseLayer> layers;
  size_t seg = first;
  for (const auto& lin : net.layers()) {
    DenseLayer l;
    l.weight = lin->weight.data_ptr<float>();
    l.bias = lin->bias.data_ptr<float>();
    l.out = lin->weight.size(0);
    l.in = lin->weight.size(1);
    l.grad_weight = opt.grad(seg++);
    l.grad_bias = opt.grad(seg++);
    layers.push_back(l);
  }
  return FusedMlp(std::move(layers), net.options().activation());
}

}  // namespace

std::unique_ptr<FusedDynAEStep> bind_fused_step(Model::Impl& m, double autoencoder_lr, double prior_lr) {
  const ModelOptions& o = m.options;
  if (!o.fused_kernels || o.model != "dynae" || o.learn_diffusion || !m.prior) return nullptr;
  const auto* enc = dynamic_cast<const MlpImpl*>(m.encoder.get());
  const auto* dec = dynamic_cast<const MlpImpl*>(m.decoder.get());
  const MlpImpl* force = m.prior->force_net().get();
  if (!enc || !dec || !force) return nullptr;
  std::vector<FlatAdam::Segment> ae, prior;
  if (!collect(*enc, ae)) return nullptr;
  const size_t decoder_first = ae.size();
  if (!collect(*dec, ae) || !collect(*force, prior)) return nullptr;
  FlatAdam ae_opt(ae, autoencoder_lr), prior_opt(prior, prior_lr);
  // Gradient pointers stay valid when the optimizers are moved (vector moves
  // keep their buffers).
  FusedMlp e = fused(*enc, ae_opt, 0), d = fused(*dec, ae_opt, decoder_first), f = fused(*force, prior_opt, 0);
  return std::make_unique<FusedDynAEStep>(std::move(e), std::move(d), std::move(f), std::move(ae_opt),
                                          std::move(prior_opt));
}

}  // namespace dynae
