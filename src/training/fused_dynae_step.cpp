#include "training/fused_dynae_step.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "cpu/phase_clock.h"
#include "cpu/thread_team.h"

namespace dynae {
namespace {

void ensure(std::vector<float>& v, int64_t n) {
  if (static_cast<int64_t>(v.size()) < n) v.resize(static_cast<size_t>(n));
}

}  // namespace

FusedDynAEStep::FusedDynAEStep(FusedMlp encoder, FusedMlp decoder, FusedMlp force, FlatAdam autoencoder,
                               FlatAdam prior, int64_t substeps, int64_t score_samples)
    : encoder_(std::move(encoder)), decoder_(std::move(decoder)), force_(std::move(force)),
      ae_opt_(std::move(autoencoder)), prior_opt_(std::move(prior)), d_(encoder_.out()),
      substeps_(std::max<int64_t>(1, substeps)), score_samples_(std::max<int64_t>(2, score_samples)) {
  set_substeps(substeps_);
}

FusedDynAEStep::~FusedDynAEStep() = default;

void FusedDynAEStep::set_team(ThreadTeam* team) {
  team_ = team;
  for (FusedMlp* net : {&encoder_, &decoder_, &force_}) net->set_team(team);
  for (FusedMlp& net : force_steps_) net.set_team(team);
  ae_opt_.set_team(team);
  prior_opt_.set_team(team);
}

void FusedDynAEStep::set_substeps(int64_t n) {
  substeps_ = std::max<int64_t>(1, n);
  force_steps_.clear();
  if (substeps_ > 1) force_steps_.assign(static_cast<size_t>(substeps_), force_);
}

FusedLosses FusedDynAEStep::run(const float* x, const float* y, int64_t batch, const float* noise,
                                const float* directions, int64_t L, double beta, bool train,
                                const float* score_noise) {
  const int64_t n_out = decoder_.out(), d = d_, rows = 2 * batch;

  // z = E(x) for both frames, out = D(z)
  std::optional<PhaseScope> phase(std::in_place, Phase::forward);
  const float* z = encoder_.forward(x, rows);
  const float* out = decoder_.forward(z, rows);
  phase.emplace(Phase::loss);
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

  // Prior moves f(z0) + sqrt(2) xi, or n substeps (no gradient); encoded moves z1 - z0
  ensure(prior_moves_, batch * d);
  ensure(moves_, batch * d);
  const float* f = nullptr;
  if (substeps_ == 1) {
    {
      const PhaseScope forward(Phase::forward);
      f = force_.forward(z0, batch);
    }
    const float sqrt2 = std::sqrt(2.0f);
    for (int64_t j = 0; j < batch * d; ++j) prior_moves_[j] = f[j] + sqrt2 * noise[j];
  } else {
    simulate(z0, batch, noise, prior_moves_.data());
    for (int64_t j = 0; j < batch * d; ++j) prior_moves_[j] -= z0[j];
  }
  for (int64_t j = 0; j < batch * d; ++j) moves_[j] = z1[j] - z0[j];
  ensure(grad_moves_, batch * d);
  r.regularization = sliced_wasserstein_fused(moves_.data(), prior_moves_.data(), directions, batch, d, L,
                                              train ? grad_moves_.data() : nullptr, swd_, team_);
  r.loss = r.reconstruction + beta * r.regularization;

  // Prior loss on the same (detached) latents, before the autoencoder moves
  r.prior = substeps_ == 1 ? prior_nll(z0, z1, f, batch) : energy_score(z0, z1, batch, score_noise);
  if (!train) return r;
  phase.emplace(Phase::backward);

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

  // Prior gradient (the force net's activations are still those of f(z0)
  // above, or of the substeps in force_steps_)
  if (substeps_ == 1) {
    prior_gradient(batch);
  } else {
    score_gradient();
  }
  return r;
}

void FusedDynAEStep::step() {
  const PhaseScope phase(Phase::optimiser);
  ae_opt_.step();
  prior_opt_.step();
}

void FusedDynAEStep::encode(const float* x, int64_t rows, float* z) {
  const int64_t chunk = 512, n_in = encoder_.in();  // activations stay in L2
  for (int64_t i = 0; i < rows; i += chunk) {
    const int64_t m = std::min(chunk, rows - i);
    const float* out = encoder_.forward(x + i * n_in, m);
    std::copy(out, out + m * d_, z + i * d_);
  }
}

double FusedDynAEStep::prior_step(const float* z0, const float* z1, int64_t rows, bool train,
                                  const float* score_noise) {
  if (substeps_ > 1) {
    const double score = energy_score(z0, z1, rows, score_noise);
    if (train) {
      score_gradient();
      prior_opt_.step();
    }
    return score;
  }
  const double nll = prior_nll(z0, z1, force_.forward(z0, rows), rows);
  if (train) {
    prior_gradient(rows);
    prior_opt_.step();
  }
  return nll;
}

void FusedDynAEStep::simulate(const float* z0, int64_t rows, const float* noise, float* out) {
  const int64_t m = rows * d_;
  const float h = 1.0f / static_cast<float>(substeps_), a = std::sqrt(2.0f * h);
  ensure(scratch_, m);
  std::copy(z0, z0 + m, scratch_.data());
  for (int64_t k = 0; k < substeps_; ++k) {
    const float* f = force_.forward(scratch_.data(), rows);
    const float* xi = noise + k * m;
    for (int64_t j = 0; j < m; ++j) scratch_[j] += h * f[j] + a * xi[j];
  }
  std::copy(scratch_.data(), scratch_.data() + m, out);
}

double FusedDynAEStep::energy_score(const float* z0, const float* z1, int64_t rows, const float* noise) {
  // states_ holds Z_0 .. Z_n, each (K rows, d); Z_0 is z0 repeated K times
  const int64_t K = score_samples_, R = K * rows, m = R * d_, d = d_;
  const float h = 1.0f / static_cast<float>(substeps_), a = std::sqrt(2.0f * h);
  ensure(states_, (substeps_ + 1) * m);
  for (int64_t k = 0; k < K; ++k) std::copy(z0, z0 + rows * d, states_.data() + k * rows * d);
  for (int64_t s = 0; s < substeps_; ++s) {
    const float* z = states_.data() + s * m;
    float* next = states_.data() + (s + 1) * m;
    const float* f = force_steps_[static_cast<size_t>(s)].forward(z, R);
    const float* xi = noise + s * m;
    for (int64_t j = 0; j < m; ++j) next[j] = z[j] + h * f[j] + a * xi[j];
  }
  // score = mean_i [ mean_k |X_ki - y_i| - sum_{k<l} |X_ki - X_li| / (K (K - 1)) ]
  // and its gradient with respect to the final states X
  const float* X = states_.data() + substeps_ * m;
  ensure(grad_state_, m);
  std::fill(grad_state_.begin(), grad_state_.begin() + m, 0.0f);
  const double to_data_w = 1.0 / static_cast<double>(K), spread_w = 1.0 / static_cast<double>(K * (K - 1));
  const double row_w = 1.0 / static_cast<double>(rows);
  double total = 0.0;
  auto distance = [d](const float* p, const float* q) {
    double sq = 0.0;
    for (int64_t c = 0; c < d; ++c) sq += static_cast<double>(p[c] - q[c]) * (p[c] - q[c]);
    return std::sqrt(sq + 1e-12);
  };
  for (int64_t i = 0; i < rows; ++i) {
    const float* y = z1 + i * d;
    for (int64_t k = 0; k < K; ++k) {
      const float* p = X + (k * rows + i) * d;
      float* gp = grad_state_.data() + (k * rows + i) * d;
      const double dist = distance(p, y);
      total += to_data_w * dist;
      const double w = row_w * to_data_w / dist;
      for (int64_t c = 0; c < d; ++c) gp[c] += static_cast<float>(w * (p[c] - y[c]));
      for (int64_t l = k + 1; l < K; ++l) {
        const float* q = X + (l * rows + i) * d;
        float* gq = grad_state_.data() + (l * rows + i) * d;
        const double dpq = distance(p, q);
        total -= spread_w * dpq;
        const double v = row_w * spread_w / dpq;
        for (int64_t c = 0; c < d; ++c) {
          const float g = static_cast<float>(v * (p[c] - q[c]));
          gp[c] -= g;
          gq[c] += g;
        }
      }
    }
  }
  score_rows_ = R;
  return total * row_w;
}

void FusedDynAEStep::score_gradient() {
  // Z_{s+1} = Z_s + h f(Z_s) + noise: dL/dZ_s = dL/dZ_{s+1} + h J_s^T dL/dZ_{s+1}
  prior_opt_.zero_grad();
  const int64_t m = score_rows_ * d_;
  const float h = 1.0f / static_cast<float>(substeps_);
  ensure(scratch_, m);
  for (int64_t s = substeps_ - 1; s >= 0; --s) {
    for (int64_t j = 0; j < m; ++j) scratch_[j] = h * grad_state_[j];
    const float* back = force_steps_[static_cast<size_t>(s)].backward(scratch_.data(), /*input_grad=*/s > 0);
    if (s > 0) {
      for (int64_t j = 0; j < m; ++j) grad_state_[j] += back[j];
    }
  }
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

void FusedDynAEStep::prior_gradient(int64_t rows) {
  // d nll / d f = -0.5 r / rows, through the force net's last forward
  prior_opt_.zero_grad();
  const float scale = static_cast<float>(-0.5 / static_cast<double>(rows));
  for (int64_t j = 0; j < rows * d_; ++j) residual_[j] *= scale;
  force_.backward(residual_.data(), /*input_grad=*/false);
}

}  // namespace dynae
