#include "training/flat_adam.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "cpu/dispatch.h"
#include "cpu/thread_team.h"
#include "dynae/errors.h"

namespace dynae {
namespace {

struct AdamCoefficients {
  float b1, c1, b2, c2, step_size, inv_sqrt_bc2, eps;
};

// One Adam update of n elements. Vectorised (AVX2 and baseline clones);
// this file is compiled without contraction into FMA and without errno for
// sqrt (CMakeLists.txt), so every clone computes the scalar loop's bits.
DYNAE_CPU_CLONES void adam_update(float* __restrict p, float* __restrict m, float* __restrict v,
                                  const float* __restrict g, int64_t n, AdamCoefficients c) {
  for (int64_t i = 0; i < n; ++i) {
    m[i] = m[i] * c.b1 + c.c1 * g[i];
    v[i] = v[i] * c.b2 + c.c2 * g[i] * g[i];
    p[i] -= c.step_size * m[i] / (std::sqrt(v[i]) * c.inv_sqrt_bc2 + c.eps);
  }
}

}  // namespace

FlatAdam::FlatAdam(std::vector<Segment> parameters, double learning_rate, double beta1, double beta2, double eps)
    : params_(std::move(parameters)), lr_(learning_rate), beta1_(beta1), beta2_(beta2), eps_(eps) {
  int64_t total = 0;
  for (const Segment& s : params_) {
    offsets_.push_back(total);
    total += s.size;
  }
  grad_.assign(static_cast<size_t>(total), 0.0f);
  m_.assign(grad_.size(), 0.0f);
  v_.assign(grad_.size(), 0.0f);
}

void FlatAdam::zero_grad() { std::fill(grad_.begin(), grad_.end(), 0.0f); }

void FlatAdam::reset() {
  std::fill(m_.begin(), m_.end(), 0.0f);
  std::fill(v_.begin(), v_.end(), 0.0f);
  steps_ = 0;
}

void FlatAdam::set_state(const State& s) {
  if (s.m.size() != m_.size() || s.v.size() != v_.size() || s.steps < 0) {
    throw Error("the optimizer state has " + std::to_string(s.m.size()) + " moments, the model " +
                std::to_string(m_.size()));
  }
  m_ = s.m;
  v_ = s.v;
  steps_ = s.steps;
  lr_ = s.learning_rate;
}

void FlatAdam::step() {
  ++steps_;
  // As torch::optim::Adam: m <- b1 m + (1-b1) g; v <- b2 v + (1-b2) g^2;
  // p <- p - lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)
  const double bc1 = 1.0 - std::pow(beta1_, static_cast<double>(steps_));
  const double bc2 = 1.0 - std::pow(beta2_, static_cast<double>(steps_));
  const AdamCoefficients c{static_cast<float>(beta1_),        static_cast<float>(1.0 - beta1_),
                           static_cast<float>(beta2_),        static_cast<float>(1.0 - beta2_),
                           static_cast<float>(lr_ / bc1),     static_cast<float>(1.0 / std::sqrt(bc2)),
                           static_cast<float>(eps_)};
  // Elements [b, e) of the flat buffers, segment by segment
  auto update = [&](int64_t b, int64_t e) {
    for (size_t s = 0; s < params_.size(); ++s) {
      const int64_t off = offsets_[s], lo = std::max(b, off), hi = std::min(e, off + params_[s].size);
      if (lo < hi) adam_update(params_[s].data + (lo - off), m_.data() + lo, v_.data() + lo, grad_.data() + lo, hi - lo, c);
    }
  };
  const int64_t total = static_cast<int64_t>(grad_.size());
  if (!team_ || team_->size() == 1 || total < 1024) {
    update(0, total);
  } else {
    team_->run([&](int t) {
      const auto [b, e] = team_->share(total, t);
      update(b, e);
    });
  }
}

}  // namespace dynae
