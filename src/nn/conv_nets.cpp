#include "nn/conv_nets.h"

#include "dynae/errors.h"

namespace dynae {

std::array<int64_t, 3> image_geometry(const std::vector<int64_t>& shape, const std::string& what) {
  std::string got = "(";
  for (size_t i = 0; i < shape.size(); ++i) got += (i ? ", " : "") + std::to_string(shape[i]);
  got += ")";
  if (shape.size() != 2 && shape.size() != 3) {
    throw ConfigError(what + " needs image frames (C, H, W) or (H, W), got frames of shape " + got);
  }
  const int64_t c = shape.size() == 3 ? shape[0] : 1;
  const int64_t h = shape[shape.size() - 2], w = shape[shape.size() - 1];
  if (h != w || h < 8 || (h & (h - 1)) != 0 || c < 1) {
    throw ConfigError(what + " needs square frames whose side is a power of two >= 8 (32, 64), got " + got);
  }
  int64_t layers = 0;
  for (int64_t s = h; s > 4; s /= 2) ++layers;
  return {c, h, layers};
}

int64_t conv_channels(int64_t layer) { return layer < 2 ? 32 : 64; }

ConvEncoderImpl::ConvEncoderImpl(const std::vector<int64_t>& frame_shape, int64_t hidden, int64_t latent) {
  const auto g = image_geometry(frame_shape, "encoder_type conv_encoder");
  channels_ = g[0];
  size_ = g[1];
  if (hidden % 16 != 0) {
    throw ConfigError(
        "encoder_type conv_encoder needs neuron_num1 (encoder_hidden) divisible by 16 (the 1x1 "
        "convolution has hidden/16 channels on a 4 x 4 grid), got " +
        std::to_string(hidden));
  }
  int64_t in = channels_;
  for (int64_t i = 0; i < g[2]; ++i) {
    const int64_t out = conv_channels(i);
    convs_.push_back(register_module("conv" + std::to_string(i),
                                     torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 4).stride(2).padding(1))));
    in = out;
  }
  squeeze_ = register_module("squeeze", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, hidden / 16, 1)));
  out_ = register_module("linear", torch::nn::Linear(hidden, latent));
}

torch::Tensor ConvEncoderImpl::forward(const torch::Tensor& x) {
  torch::Tensor h = x.reshape({x.size(0), channels_, size_, size_});
  for (auto& c : convs_) h = torch::relu(c->forward(h));
  h = torch::relu(squeeze_->forward(h)).flatten(1);
  return out_->forward(h);
}

DeconvDecoderImpl::DeconvDecoderImpl(int64_t latent, int64_t hidden, const std::vector<int64_t>& frame_shape) {
  const auto g = image_geometry(frame_shape, "decoder_type deconv_decoder");
  in1_ = register_module("linear0", torch::nn::Linear(latent, hidden));
  in2_ = register_module("linear1", torch::nn::Linear(hidden, 64 * 4 * 4));
  int64_t in = 64;
  for (int64_t i = g[2] - 1; i >= 0; --i) {
    const int64_t out = i == 0 ? g[0] : conv_channels(i - 1);
    deconvs_.push_back(register_module(
        "deconv" + std::to_string(g[2] - 1 - i),
        torch::nn::ConvTranspose2d(torch::nn::ConvTranspose2dOptions(in, out, 4).stride(2).padding(1))));
    in = out;
  }
}

torch::Tensor DeconvDecoderImpl::forward(const torch::Tensor& z) {
  torch::Tensor h = torch::relu(in2_->forward(torch::relu(in1_->forward(z))));
  h = h.reshape({z.size(0), 64, 4, 4});
  for (size_t i = 0; i < deconvs_.size(); ++i) {
    h = deconvs_[i]->forward(h);
    if (i + 1 < deconvs_.size()) h = torch::relu(h);
  }
  return h;
}

}  // namespace dynae
