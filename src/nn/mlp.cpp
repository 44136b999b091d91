#include "nn/mlp.h"

#include "dynae/errors.h"

#include <cmath>

namespace dynae {

std::string ScriptWriter::tensor(const std::string& name, const torch::Tensor& t) {
  tensors.emplace_back(name, t.detach().to(torch::kFloat32).clone());
  return "self." + name;
}

void FrameNetImpl::write_script(ScriptWriter&, const std::string&, const std::string&, const std::string&) const {
  throw Error(std::string("this network (") + name() + ") has no TorchScript form yet; only fully connected networks "
              "and TICA's linear map are exported");
}

void init_layers(torch::nn::Module& module, at::Generator& gen) {
  torch::NoGradGuard no_grad;
  // fan_in as torch.nn.init computes it: weight.size(1) times the kernel area
  // (for ConvTranspose2d that is the output channels, as in PyTorch).
  auto reset = [&](torch::Tensor& w, torch::Tensor& b) {
    const double fan_in = static_cast<double>(w.numel() / w.size(0));
    const double bound = 1.0 / std::sqrt(fan_in);
    w.uniform_(-bound, bound, gen);
    if (b.defined()) b.uniform_(-bound, bound, gen);
  };
  for (auto& m : module.modules(/*include_self=*/true)) {
    if (auto* lin = m->as<torch::nn::Linear>()) reset(lin->weight, lin->bias);
    if (auto* conv = m->as<torch::nn::Conv2d>()) reset(conv->weight, conv->bias);
    if (auto* deconv = m->as<torch::nn::ConvTranspose2d>()) reset(deconv->weight, deconv->bias);
  }
}

namespace {

torch::Tensor activate(const torch::Tensor& h, Activation a) {
  switch (a) {
    case Activation::Tanh:
      return torch::tanh(h);
    case Activation::SiLU:
      return torch::silu(h);
    case Activation::ELU:
      return torch::elu(h);
    default:
      return torch::relu(h);
  }
}

/// The activation of `v` as a TorchScript expression (builtins only: the
/// script is compiled without torch.nn.functional).
std::string script_activation(Activation a, const std::string& v) {
  switch (a) {
    case Activation::Tanh:
      return "torch.tanh(" + v + ")";
    case Activation::SiLU:
      return v + " * torch.sigmoid(" + v + ")";
    case Activation::ELU:
      return "torch.where(" + v + " > 0, " + v + ", torch.expm1(" + v + "))";
    default:
      return "torch.relu(" + v + ")";
  }
}

}  // namespace

MlpImpl::MlpImpl(const MlpOptions& options) : options_(options) {
  TORCH_CHECK(options.in() > 0 && options.hidden() > 0 && options.out() > 0,
              "Mlp sizes must be positive, got in=", options.in(), " hidden=", options.hidden(),
              " out=", options.out());
  std::vector<int64_t> widths = options.widths();
  if (widths.empty()) widths.assign(static_cast<size_t>(options.inner_layers() + 1), options.hidden());
  for (int64_t w : widths) TORCH_CHECK(w > 0, "Mlp hidden widths must be positive, got ", w);
  std::vector<std::pair<int64_t, int64_t>> dims;
  int64_t from = options.in();
  for (int64_t w : widths) {
    dims.emplace_back(from, w);
    from = w;
  }
  dims.emplace_back(from, options.out());
  for (size_t i = 0; i < dims.size(); ++i) {
    layers_.push_back(register_module("linear" + std::to_string(i),
                                      torch::nn::Linear(dims[i].first, dims[i].second)));
  }
}

void MlpImpl::write_script(ScriptWriter& w, const std::string& prefix, const std::string& in,
                           const std::string& out) const {
  w.line(out + " = " + in + ".flatten(1)");
  for (size_t i = 0; i < layers_.size(); ++i) {
    const std::string k = std::to_string(i);
    w.line(out + " = torch.linear(" + out + ", " + w.tensor(prefix + "_w" + k, layers_[i]->weight) + ", " +
           w.tensor(prefix + "_b" + k, layers_[i]->bias) + ")");
    if (i + 1 < layers_.size()) w.line(out + " = " + script_activation(options_.activation(), out));
  }
}

namespace {
void require_scalar_tanh(const MlpOptions& o) {
  if (o.out() != 1 || o.activation() != Activation::Tanh) {
    throw Error("input gradient: only nets with one output and tanh activations have one written out");
  }
}
}  // namespace

torch::Tensor MlpImpl::input_gradient(const torch::Tensor& x) {
  require_scalar_tanh(options_);
  torch::Tensor h = x.dim() == 2 ? x : x.reshape({x.size(0), -1});
  std::vector<torch::Tensor> activations;  // tanh of each hidden layer
  for (size_t i = 0; i + 1 < layers_.size(); ++i) {
    h = torch::tanh(layers_[i]->forward(h));
    activations.push_back(h);
  }
  // d out / d h_last = w_last (1, hidden), the same for every row
  torch::Tensor g = layers_.back()->weight.expand({h.size(0), h.size(1)});
  for (size_t i = activations.size(); i-- > 0;) {
    g = torch::mm(g * (1 - activations[i] * activations[i]), layers_[i]->weight);
  }
  return g;
}

void MlpImpl::write_gradient_script(ScriptWriter& w, const std::string& prefix, const std::string& in,
                                    const std::string& out) const {
  require_scalar_tanh(options_);
  w.line(out + " = " + in + ".flatten(1)");
  std::vector<std::string> names;
  for (size_t i = 0; i < layers_.size(); ++i) names.push_back(w.tensor(prefix + "_w" + std::to_string(i), layers_[i]->weight));
  for (size_t i = 0; i + 1 < layers_.size(); ++i) {
    const std::string a = prefix + "_a" + std::to_string(i);
    w.line(a + " = torch.tanh(torch.linear(" + out + ", " + names[i] + ", " +
           w.tensor(prefix + "_b" + std::to_string(i), layers_[i]->bias) + "))");
    w.line(out + " = " + a);
  }
  w.line(out + " = " + names.back() + ".expand(" + out + ".size(0), " + names.back() + ".size(1))");
  for (size_t i = layers_.size() - 1; i-- > 0;) {
    const std::string a = prefix + "_a" + std::to_string(i);
    w.line(out + " = torch.mm(" + out + " * (1 - " + a + " * " + a + "), " + names[i] + ")");
  }
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
  torch::Tensor h = x.dim() == 2 ? x : x.reshape({x.size(0), -1});
  for (size_t i = 0; i < layers_.size(); ++i) {
    h = layers_[i]->forward(h);
    if (i + 1 < layers_.size()) h = activate(h, options_.activation());
  }
  return h;
}

}  // namespace dynae
