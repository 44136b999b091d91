#include "dynae/models/dynae.h"

#include <ATen/CPUGeneratorImpl.h>

#include "data/tensor_convert.h"
#include "dynae/errors.h"
#include "models/dynae_impl.h"
#include "nn/conv_nets.h"
#include "nn/mlp.h"
#include "training/trainer.h"

namespace dynae {
namespace {

std::shared_ptr<FrameNetImpl> make_encoder(const DynAEOptions& o, const std::vector<int64_t>& in_shape) {
  if (o.encoder_type == "conv") return std::make_shared<ConvEncoderImpl>(in_shape, o.encoder_hidden, o.latent_dim);
  return std::make_shared<MlpImpl>(MlpOptions(shape_product(in_shape), o.encoder_hidden, o.latent_dim));
}

std::shared_ptr<FrameNetImpl> make_decoder(const DynAEOptions& o, const std::vector<int64_t>& out_shape) {
  if (o.decoder_type == "deconv") return std::make_shared<DeconvDecoderImpl>(o.latent_dim, o.decoder_hidden, out_shape);
  return std::make_shared<MlpImpl>(MlpOptions(o.latent_dim, o.decoder_hidden, shape_product(out_shape)));
}

void copy_weights(const torch::nn::Module& from, torch::nn::Module& to) {
  torch::NoGradGuard no_grad;
  const auto src = from.named_parameters();
  for (auto& p : to.named_parameters()) p.value().copy_(src[p.key()]);
}

}  // namespace

DynAEModel::Impl::Impl(DynAEOptions options_, std::vector<int64_t> input_shape_,
                       std::vector<int64_t> target_shape_)
    : options(std::move(options_)), input_shape(std::move(input_shape_)), target_shape(std::move(target_shape_)) {
  options.validate();
  encoder = make_encoder(options, input_shape);
  decoder = make_decoder(options, target_shape);
  prior = LangevinPrior(options.latent_dim, options.prior_hidden, options.learn_diffusion);
}

DynAEModel::Impl::Impl(DynAEOptions options_, std::vector<int64_t> input_shape_,
                       std::vector<int64_t> target_shape_, at::Generator& gen)
    : Impl(std::move(options_), std::move(input_shape_), std::move(target_shape_)) {
  init_layers(*encoder, gen);
  init_layers(*decoder, gen);
  init_layers(*prior, gen);
}

std::shared_ptr<DynAEModel::Impl> DynAEModel::Impl::clone() const {
  auto c = std::make_shared<Impl>(options, input_shape, target_shape);
  copy_weights(*encoder, *c->encoder);
  copy_weights(*decoder, *c->decoder);
  copy_weights(*prior, *c->prior);
  c->centers = centers;
  c->epochs_trained = epochs_trained;
  c->train(false);
  return c;
}

void DynAEModel::Impl::train(bool on) const {
  encoder->train(on);
  decoder->train(on);
  prior->train(on);
}

torch::Tensor DynAEModel::Impl::encode(const torch::Tensor& x) const { return encoder->forward(x); }

torch::Tensor DynAEModel::Impl::decode(const torch::Tensor& z) const {
  std::vector<int64_t> shape{z.size(0)};
  shape.insert(shape.end(), target_shape.begin(), target_shape.end());
  return decoder->forward(z).reshape(shape);
}

torch::Tensor DynAEModel::Impl::encode_all(const torch::Tensor& x, int64_t chunk) const {
  torch::NoGradGuard no_grad;
  // Image frames: keep the first convolution's activations to about 128 MB.
  if (options.encoder_type == "conv") chunk = std::max<int64_t>(64, std::min(chunk, (int64_t{1} << 22) / shape_product(input_shape)));
  std::vector<torch::Tensor> parts;
  for (int64_t i = 0; i < x.size(0); i += chunk) parts.push_back(encode(x.slice(0, i, std::min(x.size(0), i + chunk))));
  return parts.empty() ? torch::empty({0, options.latent_dim}) : torch::cat(parts);
}

std::vector<torch::Tensor> DynAEModel::Impl::autoencoder_parameters() const {
  std::vector<torch::Tensor> p = encoder->parameters();
  for (auto& t : decoder->parameters()) p.push_back(t);
  return p;
}

std::vector<torch::Tensor> DynAEModel::Impl::prior_parameters() const { return prior->parameters(); }

bool DynAEModel::Impl::weights_finite() const {
  for (const auto* m : {static_cast<const torch::nn::Module*>(encoder.get()),
                        static_cast<const torch::nn::Module*>(decoder.get()),
                        static_cast<const torch::nn::Module*>(prior.get())}) {
    for (const auto& p : m->parameters()) {
      if (!torch::isfinite(p).all().item<bool>()) return false;
    }
  }
  return true;
}

// ---- DynAEModel ----

DynAEModel::DynAEModel(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

namespace {

void check_frames(const Array& x, const std::vector<int64_t>& frame_shape, const std::string& what) {
  std::vector<int64_t> got(x.shape.begin() + (x.shape.empty() ? 0 : 1), x.shape.end());
  if (x.rank() < 1 || shape_product(got) != shape_product(frame_shape) || (got.size() > 1 && got != frame_shape)) {
    Array expect;
    expect.shape = {-1};
    expect.shape.insert(expect.shape.end(), frame_shape.begin(), frame_shape.end());
    throw DataError(what + ": expected frames of shape " + expect.shape_string() + " (first axis = frames), got " +
                    x.shape_string());
  }
}

void check_latents(const Array& z, int64_t d, const std::string& what) {
  if (z.rank() != 2 || z.shape[1] != d) {
    throw DataError(what + ": expected latents of shape (N, " + std::to_string(d) + "), got " + z.shape_string());
  }
}

}  // namespace

Array DynAEModel::encode(const Array& x) const {
  check_frames(x, impl_->input_shape, "encode");
  check_finite(x, "encode input");
  std::vector<int64_t> shape{x.frames()};
  shape.insert(shape.end(), impl_->input_shape.begin(), impl_->input_shape.end());
  return to_array(impl_->encode_all(to_tensor(x).reshape(shape)));
}

Array DynAEModel::decode(const Array& z) const {
  check_latents(z, impl_->options.latent_dim, "decode");
  torch::NoGradGuard no_grad;
  const torch::Tensor zt = to_tensor(z);
  std::vector<torch::Tensor> parts;
  const int64_t chunk = std::max<int64_t>(64, std::min<int64_t>(8192, (int64_t{1} << 22) / shape_product(impl_->target_shape)));
  for (int64_t i = 0; i < zt.size(0); i += chunk) parts.push_back(impl_->decode(zt.slice(0, i, std::min(zt.size(0), i + chunk))));
  return to_array(torch::cat(parts));
}

Array DynAEModel::reconstruct(const Array& x) const { return decode(encode(x)); }

Array DynAEModel::force(const Array& z) const {
  check_latents(z, impl_->options.latent_dim, "force");
  torch::NoGradGuard no_grad;
  return to_array(impl_->prior->force(to_tensor(z)));
}

Array DynAEModel::diffusion(const Array& z) const {
  check_latents(z, impl_->options.latent_dim, "diffusion");
  torch::NoGradGuard no_grad;
  return to_array(torch::exp(impl_->prior->log_diffusion(to_tensor(z))));
}

const Array& DynAEModel::cluster_centers() const { return impl_->centers; }
const DynAEOptions& DynAEModel::options() const { return impl_->options; }
const std::vector<int64_t>& DynAEModel::input_frame_shape() const { return impl_->input_shape; }
const std::vector<int64_t>& DynAEModel::target_frame_shape() const { return impl_->target_shape; }
int64_t DynAEModel::epochs_trained() const { return impl_->epochs_trained; }

// ---- DynAE ----

DynAE::DynAE(DynAEOptions options) : options_(std::move(options)) { options_.validate(); }

DynAEModel DynAE::fit(const TrajectorySet& data, TrainingObserver* observer) const {
  history_.clear();
  return train_dynae(options_, data, observer, history_);
}

}  // namespace dynae
