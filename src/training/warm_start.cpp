#include "training/warm_start.h"

#include <torch/torch.h>

#include <cmath>

#include "data/frame_rows.h"
#include "dynae/data/trajectory_set.h"
#include "dynae/errors.h"
#include "dynae/models/model_kind.h"
#include "models/model_impl.h"

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

double warm_start_autoencoder(Model::Impl& model, const FrameRows& inputs, const FrameRows& targets,
                              const std::vector<float>& latent_targets, at::Generator& generator, int64_t steps) {
  const int64_t n = inputs.frames(), d = model.options.latent_dim, batch = std::min<int64_t>(256, n);
  std::vector<torch::Tensor> params;
  for (const auto& p : model.encoder->parameters()) params.push_back(p);
  for (const auto& p : model.decoder->parameters()) params.push_back(p);
  torch::optim::Adam adam(params, torch::optim::AdamOptions(1e-3));
  std::vector<int64_t> frames(static_cast<size_t>(batch));
  std::vector<float> x(static_cast<size_t>(batch * inputs.width())), y(static_cast<size_t>(batch * targets.width())),
      z(static_cast<size_t>(batch * d));
  std::vector<int64_t> in_shape = {batch}, out_shape = {batch};
  in_shape.insert(in_shape.end(), model.input_shape.begin(), model.input_shape.end());
  out_shape.insert(out_shape.end(), model.target_shape.begin(), model.target_shape.end());
  double last = NAN;
  for (int64_t s = 0; s < steps; ++s) {
    const torch::Tensor pick = torch::randint(n, {batch}, generator, torch::kLong);
    for (int64_t k = 0; k < batch; ++k) {
      frames[k] = pick[k].item<int64_t>();
      std::copy_n(latent_targets.begin() + frames[k] * d, d, z.begin() + k * d);
    }
    inputs.gather(frames.data(), batch, 0, x.data());
    targets.gather(frames.data(), batch, 0, y.data());
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
