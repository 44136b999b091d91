#include "training/fused_dynae_step.h"

#include <algorithm>
#include <cmath>

namespace dynae {
namespace {

void ensure(std::vector<float>& v, int64_t n) {
  if (static_cast<int64_t>(v.size()) < n) v.resize(static_cast<size_t>(n));
}

}  // namespace

FusedDynAEStep::FusedDynAEStep(FusedMlp encoder, FusedMlp decoder, FusedMlp force, FlatAdam autoencoder,
                               FlatAdam prior)
    : encoder_(std::move(encoder)), decoder_(std::move(decoder)), force_(std::move(force)),
      ae_opt_(std::move(autoencoder)), prior_opt_(std::move(prior)), d_(encoder_.out()) {}

FusedLosses FusedDynAEStep::run(const float* x, const float* y, int64_t batch, const float* noise,
                                const float* directions, int64_t L, double beta, bool train) {
  const int64_t n_out = decoder_.out(), d = d_, rows = 2 * batch;

  // z = E(x) for both frames, out = D(z)
  const float* z = encoder_.forward(x, rows);
  const float* out = decoder_.forward(z, rows);
  const float* z0 = z;
  const float* z1 = z + batch * d;

  // R = sum of squared errors / B (frame t plus frame t + tau); dR/dout
  ensure(grad_out_, rows * n_out);
  double sq = 0.0;
  const float g_scale = static_cast<float>(2.0 / static_cast<double>(batch));
  for (int64_t j = 0; j < rows * n_out; ++j) {
    const float e = out[j] - y[j];
    sq += static_cast<double>(e) * e;
    grad_out_[j] = g_scale * e;
  }
  FusedLosses r;
  r.reconstruction = sq / static_cast<double>(batch);

  // Prior moves f(z0) + sqrt(2) xi (no gradient); encoded moves z1 - z0
  const float* f = force_.forward(z0, batch);
  ensure(prior_moves_, batch * d);
  ensure(moves_, batch * d);
  const float sqrt2 = std::sqrt(2.0f);
  for (int64_t j = 0; j < batch * d; ++j) {
    prior_moves_[j] = f[j] + sqrt2 * noise[j];
    moves_[j] = z1[j] - z0[j];
  }
  ensure(grad_moves_, batch * d);
  r.regularization = sliced_wasserstein_fused(moves_.data(), prior_moves_.data(), directions, batch, d, L,
                                              train ? grad_moves_.data() : nullptr, swd_);
  r.loss = r.reconstruction + beta * r.regularization;

  // Prior loss on the same (detached) latents, before the autoencoder moves
  r.prior = prior_nll(z0, z1, f, batch);
  if (!train) return r;

  // Autoencoder step: dL/dz from the decoder plus beta dSWD/dz (moves = z1 - z0)
  ae_opt_.zero_grad();
  const float* gz_dec = decoder_.backward(grad_out_.data(), /*input_grad=*/true);
  ensure(grad_z_, rows * d);
  const float b = static_cast<float>(beta);
  for (int64_t j = 0; j < batch * d; ++j) {
    const float gm = b * grad_moves_[j];
    grad_z_[j] = gz_dec[j] - gm;
    grad_z_[batch * d + j] = gz_dec[batch * d + j] + gm;
  }
  encoder_.backward(grad_z_.data(), /*input_grad=*/false);
  ae_opt_.step();

  // Prior step (the force net's activations are still those of f(z0) above)
  prior_update(batch);
  return r;
}

void FusedDynAEStep::encode(const float* x, int64_t rows, float* z) {
  const int64_t chunk = 512, n_in = encoder_.in();  // activations stay in L2
  for (int64_t i = 0; i < rows; i += chunk) {
    const int64_t m = std::min(chunk, rows - i);
    const float* out = encoder_.forward(x + i * n_in, m);
    std::copy(out, out + m * d_, z + i * d_);
  }
}

double FusedDynAEStep::prior_step(const float* z0, const float* z1, int64_t rows, bool train) {
  const double nll = prior_nll(z0, z1, force_.forward(z0, rows), rows);
  if (train) prior_update(rows);
  return nll;
}

double FusedDynAEStep::prior_nll(const float* z0, const float* z1, const float* f, int64_t rows) {
  // nll = 0.25 |z1 - z0 - f(z0)|^2, mean over the rows; the residual is kept
  ensure(residual_, rows * d_);
  double nll = 0.0;
  for (int64_t j = 0; j < rows * d_; ++j) {
    residual_[j] = z1[j] - z0[j] - f[j];
    nll += static_cast<double>(residual_[j]) * residual_[j];
  }
  return 0.25 * nll / static_cast<double>(rows);
}

void FusedDynAEStep::prior_update(int64_t rows) {
  // d nll / d f = -0.5 r / rows, through the force net's last forward
  prior_opt_.zero_grad();
  const float scale = static_cast<float>(-0.5 / static_cast<double>(rows));
  for (int64_t j = 0; j < rows * d_; ++j) residual_[j] *= scale;
  force_.backward(residual_.data(), /*input_grad=*/false);
  prior_opt_.step();
}

}  // namespace dynae
