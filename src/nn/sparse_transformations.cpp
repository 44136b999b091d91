#include "nn/sparse_transformations.h"

#include "dynae/errors.h"

namespace dynae {
namespace {

constexpr double kLogVarOffset = -4.0;

}  // namespace

SparseTransformationsImpl::SparseTransformationsImpl(const SparseTransformationsOptions& options) : options_(options) {
  if (options.potential() + options.rotational() < 1) {
    throw ConfigError("sparse transformations: expected at least one flow field (potential + rotational >= 1)");
  }
  if (options.steps() < 1) throw ConfigError("sparse transformations: expected at least one flow step");
  fields_ = register_module(
      "fields", FlowFields(FlowFieldsOptions(options.dim(), options.potential(), options.rotational()).hidden(options.hidden())));
  speeds_ = register_module("speeds", Mlp(MlpOptions(2 * options.dim(), options.hidden(), 2 * count()).inner_layers(1)));
  norms_ = register_buffer("norms", torch::ones({count()}));
  log_speed_scale_ = register_parameter("log_speed_scale", torch::zeros({}));
}

torch::Tensor SparseTransformationsImpl::norms_over(const torch::Tensor& z) {
  return (fields_->forward(z).pow(2).sum(2).mean(0) + 1e-12).sqrt();
}

void SparseTransformationsImpl::store_norms(const torch::Tensor& z) {
  torch::NoGradGuard no_grad;
  norms_.copy_(norms_over(z));
}

torch::Tensor SparseTransformationsImpl::normalised(const torch::Tensor& z, const torch::Tensor& norms) {
  return fields_->forward(z) / norms.view({1, -1, 1});
}

torch::Tensor SparseTransformationsImpl::fields(const torch::Tensor& z) { return normalised(z, norms_); }

std::pair<torch::Tensor, torch::Tensor> SparseTransformationsImpl::speed_posterior(const torch::Tensor& z0,
                                                                                 const torch::Tensor& z1) {
  const torch::Tensor out = speeds_->forward(torch::cat({z0, z1 - z0}, 1));
  return {out.slice(1, 0, count()), out.slice(1, count()) + kLogVarOffset};
}

torch::Tensor SparseTransformationsImpl::flow(const torch::Tensor& z, const torch::Tensor& s, const torch::Tensor& norms) {
  const double h = 1.0 / static_cast<double>(options_.steps());
  const torch::Tensor& n = norms.defined() ? norms : norms_;
  auto velocity_at = [&](const torch::Tensor& x) { return (normalised(x, n) * s.unsqueeze(2)).sum(1); };
  torch::Tensor x = z;
  for (int64_t i = 0; i < options_.steps(); ++i) {
    const torch::Tensor k1 = velocity_at(x);
    const torch::Tensor k2 = velocity_at(x + h * k1);
    x = x + (0.5 * h) * (k1 + k2);
  }
  return x;
}

}  // namespace dynae
