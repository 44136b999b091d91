#include "training/flat_adam.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "cpu/thread_team.h"
#include "dynae/errors.h"

namespace dynae {

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
  const float step_size = static_cast<float>(lr_ / bc1);
  const float inv_sqrt_bc2 = static_cast<float>(1.0 / std::sqrt(bc2));
  const float b1 = static_cast<float>(beta1_), b2 = static_cast<float>(beta2_);
  const float c1 = static_cast<float>(1.0 - beta1_), c2 = static_cast<float>(1.0 - beta2_);
  const float eps = static_cast<float>(eps_);
  // Elements [b, e) of the flat buffers, segment by segment
  auto update = [&](int64_t b, int64_t e) {
    for (size_t s = 0; s < params_.size(); ++s) {
      const int64_t off = offsets_[s], lo = std::max(b, off), hi = std::min(e, off + params_[s].size);
      float* p = params_[s].data;
      const float* g = grad_.data();
      float* m = m_.data();
      float* v = v_.data();
      for (int64_t i = lo; i < hi; ++i) {
        m[i] = m[i] * b1 + c1 * g[i];
        v[i] = v[i] * b2 + c2 * g[i] * g[i];
        p[i - off] -= step_size * m[i] / (std::sqrt(v[i]) * inv_sqrt_bc2 + eps);
      }
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
