#include "training/warm_start.h"

#include <torch/torch.h>

#include <cmath>
#include <optional>

#include "data/frame_rows.h"
#include "dynae/data/trajectory_set.h"
#include "dynae/errors.h"
#include "dynae/models/model_kind.h"
#include "models/model_impl.h"
#include "nn/mlp.h"
#include "training/fused_binding.h"

namespace dynae {

std::vector<float> slow_linear_targets(const TrajectorySet& data, int64_t d, int64_t tica_lag, int64_t lag) {
  ModelOptions o;
  o.set_model("tica").set_latent_dim(d).set_lag(tica_lag);
  const Model tica = model_kind("tica").fit_closed_form(o, data);
  std::vector<Array> z;
  for (const Trajectory& t : data.trajectories()) z.push_back(tica.encode(t.input));
  std::vector<double> mean(static_cast<size_t>(d), 0.0), moves(static_cast<size_t>(d), 0.0);
  int64_t frames = 0, pairs = 0;
  for (const Array& a : z) {
    for (int64_t t = 0; t < a.frames(); ++t) {
      for (int64_t j = 0; j < d; ++j) mean[j] += a.at(t, j);
    }
    frames += a.frames();
    for (int64_t t = 0; t + lag < a.frames(); ++t) {
      for (int64_t j = 0; j < d; ++j) moves[j] += (a.at(t + lag, j) - a.at(t, j)) * (a.at(t + lag, j) - a.at(t, j));
    }
    pairs += std::max<int64_t>(0, a.frames() - lag);
  }
  if (pairs == 0) throw DataError("the warm start needs trajectories longer than the lag");
  std::vector<double> scale(static_cast<size_t>(d));
  for (int64_t j = 0; j < d; ++j) {
    mean[j] /= static_cast<double>(frames);
    const double m = moves[j] / static_cast<double>(pairs);
    if (!(m > 0) || !std::isfinite(m)) throw DataError("TICA component " + std::to_string(j + 1) + " does not move");
    scale[j] = std::sqrt(2.0 / m);
  }
  std::vector<float> out;
  out.reserve(static_cast<size_t>(frames * d));
  for (const Array& a : z) {
    for (int64_t t = 0; t < a.frames(); ++t) {
      for (int64_t j = 0; j < d; ++j) out.push_back(static_cast<float>((a.at(t, j) - mean[j]) * scale[j]));
    }
  }
  return out;
}

namespace {

/// The batches of the warm start: frames drawn from the generator (as
/// torch::randint draws them), their inputs, targets and latent targets.
struct WarmBatches {
  WarmBatches(const FrameRows& inputs, const FrameRows& targets, const std::vector<float>& latent_targets, int64_t d)
      : inputs_(inputs), targets_(targets), latent_(latent_targets), d_(d),
        batch(std::min<int64_t>(256, inputs.frames())),
        frames(static_cast<size_t>(batch)), x(static_cast<size_t>(batch * inputs.width())),
        y(static_cast<size_t>(batch * targets.width())), z(static_cast<size_t>(batch * d)) {}

  void draw(at::Generator& generator) {
    const torch::Tensor pick = torch::randint(inputs_.frames(), {batch}, generator, torch::kLong);
    const int64_t* picked = pick.data_ptr<int64_t>();
    for (int64_t k = 0; k < batch; ++k) {
      frames[k] = picked[k];
      for (int64_t j = 0; j < d_; ++j) z[k * d_ + j] = latent_[frames[k] * d_ + j];  // (not a memmove call per row)
    }
    inputs_.gather(frames.data(), batch, 0, x.data());
    targets_.gather(frames.data(), batch, 0, y.data());
  }

  const FrameRows& inputs_;
  const FrameRows& targets_;
  const std::vector<float>& latent_;
  const int64_t d_;
  const int64_t batch;
  std::vector<int64_t> frames;
  std::vector<float> x, y, z;
};

/// The warm start on the fused kernels (fully connected encoder and decoder
/// of a deterministic model; FlatAdam is torch::optim::Adam's update): the
/// same objective and draws as the LibTorch loop below, about 5x faster.
/// Nothing, without training, when the kernels do not apply.
std::optional<double> fused_warm_start(Model::Impl& model, WarmBatches& b, at::Generator& generator,
                                       int64_t steps) {
  const auto* encoder = dynamic_cast<const MlpImpl*>(model.encoder.get());
  const auto* decoder = dynamic_cast<const MlpImpl*>(model.decoder.get());
  if (!model.options.fused_kernels || model.variational() || !encoder || !decoder) return std::nullopt;
  std::vector<FlatAdam::Segment> segments;
  if (!collect_mlp_parameters(*encoder, segments)) return std::nullopt;
  const size_t decoder_first = segments.size();
  if (!collect_mlp_parameters(*decoder, segments)) return std::nullopt;
  FlatAdam adam(segments, 1e-3);
  FusedMlp enc = bind_fused_mlp(*encoder, adam, 0), dec = bind_fused_mlp(*decoder, adam, decoder_first);
  const int64_t B = b.batch, d = model.options.latent_dim, m = dec.out();
  std::vector<float> grad_z(static_cast<size_t>(B * d)), grad_out(static_cast<size_t>(B * m));
  const float g = static_cast<float>(2.0 / static_cast<double>(B));
  double last = NAN;
  for (int64_t s = 0; s < steps; ++s) {
    b.draw(generator);
    // fit = mean over rows of |E(x) - z|^2, rec = mean over rows of |D(z) - y|^2
    const float* e = enc.forward(b.x.data(), B);
    double fit = 0.0;
    for (int64_t j = 0; j < B * d; ++j) {
      const float r = e[j] - b.z[j];
      fit += static_cast<double>(r) * r;
      grad_z[j] = g * r;
    }
    const float* out = dec.forward(b.z.data(), B);
    for (int64_t j = 0; j < B * m; ++j) grad_out[j] = g * (out[j] - b.y[j]);
    adam.zero_grad();
    enc.backward(grad_z.data(), /*input_grad=*/false);
    dec.backward(grad_out.data(), /*input_grad=*/false);
    adam.step();
    last = fit / static_cast<double>(B) / static_cast<double>(d);
  }
  return last;
}

}  // namespace

double warm_start_autoencoder(Model::Impl& model, const FrameRows& inputs, const FrameRows& targets,
                              const std::vector<float>& latent_targets, at::Generator& generator, int64_t steps) {
  WarmBatches batches(inputs, targets, latent_targets, model.options.latent_dim);
  // (a NaN misfit of the fused loop is its result, not a reason to train again)
  if (const std::optional<double> fused = fused_warm_start(model, batches, generator, steps)) return *fused;
  const int64_t d = model.options.latent_dim, batch = batches.batch;
  std::vector<torch::Tensor> params;
  for (const auto& p : model.encoder->parameters()) params.push_back(p);
  for (const auto& p : model.decoder->parameters()) params.push_back(p);
  torch::optim::Adam adam(params, torch::optim::AdamOptions(1e-3));
  std::vector<float>& x = batches.x;
  std::vector<float>& y = batches.y;
  std::vector<float>& z = batches.z;
  std::vector<int64_t> in_shape = {batch}, out_shape = {batch};
  in_shape.insert(in_shape.end(), model.input_shape.begin(), model.input_shape.end());
  out_shape.insert(out_shape.end(), model.target_shape.begin(), model.target_shape.end());
  double last = NAN;
  for (int64_t s = 0; s < steps; ++s) {
    batches.draw(generator);
    const torch::Tensor xt = torch::from_blob(x.data(), in_shape, torch::kFloat32);
    const torch::Tensor yt = torch::from_blob(y.data(), out_shape, torch::kFloat32);
    const torch::Tensor zt = torch::from_blob(z.data(), {batch, d}, torch::kFloat32);
    const torch::Tensor fit = (model.encode(xt) - zt).pow(2).sum(1).mean();
    const torch::Tensor rec = (model.decode(zt) - yt).pow(2).reshape({batch, -1}).sum(1).mean();
    adam.zero_grad();
    (fit + rec).backward();
    adam.step();
    last = fit.item<double>() / static_cast<double>(d);
  }
  return last;
}

}  // namespace dynae
