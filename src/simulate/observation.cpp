#include "dynae/simulate/observation.h"

#include <cmath>
#include <random>
#include <sstream>

#include "dynae/errors.h"

namespace dynae {
namespace {

/// out_dim x d matrix with orthonormal columns (Gram-Schmidt on Gaussian columns).
std::vector<double> random_orthonormal_columns(int64_t n, int64_t d, std::mt19937_64& rng) {
  std::normal_distribution<double> normal;
  std::vector<double> q(static_cast<size_t>(n * d));
  for (int64_t j = 0; j < d; ++j) {
    for (;;) {
      for (int64_t i = 0; i < n; ++i) q[i * d + j] = normal(rng);
      for (int64_t k = 0; k < j; ++k) {
        double dot = 0;
        for (int64_t i = 0; i < n; ++i) dot += q[i * d + j] * q[i * d + k];
        for (int64_t i = 0; i < n; ++i) q[i * d + j] -= dot * q[i * d + k];
      }
      double norm = 0;
      for (int64_t i = 0; i < n; ++i) norm += q[i * d + j] * q[i * d + j];
      norm = std::sqrt(norm);
      if (norm > 1e-6) {
        for (int64_t i = 0; i < n; ++i) q[i * d + j] /= norm;
        break;
      }
    }
  }
  return q;
}

}  // namespace

std::vector<std::string> observation_maps() { return {"identity", "warp", "embed"}; }

Array observe(const Array& truth, const ObservationOptions& o) { return observe(std::vector<Array>{truth}, o)[0]; }

std::vector<Array> observe(const std::vector<Array>& truths, const ObservationOptions& o) {
  if (truths.empty()) throw ConfigError("observe: no trajectories given");
  for (const auto& truth : truths) {
    if (truth.rank() != 2 || truth.frames() < 1 || truth.shape[1] != truths[0].shape[1]) {
      throw ConfigError("observe: expected truth trajectories of shape (T, d) with one d, got " + truth.shape_string());
    }
  }
  if (!(o.noise >= 0) || !std::isfinite(o.noise)) {
    throw ConfigError("observation noise = " + std::to_string(o.noise) + " is invalid: expected a number >= 0");
  }
  const int64_t d = truths[0].shape[1];
  std::mt19937_64 rng(o.seed ^ 0x6f627365727665ULL);
  std::vector<Array> out;
  if (o.map == "identity") {
    out = truths;
  } else if (o.map == "warp") {
    if (d < 2) throw ConfigError("observation map warp needs truth with d >= 2 (it adds warp * x_0^2 to the others)");
    if (!std::isfinite(o.warp)) throw ConfigError("warp coefficient is not finite");
    for (const auto& truth : truths) {
      Array y = truth;
      for (int64_t t = 0; t < truth.frames(); ++t) {
        const double x0 = truth.at(t, 0);
        for (int64_t i = 1; i < d; ++i) y.at(t, i) += o.warp * x0 * x0;
      }
      out.push_back(std::move(y));
    }
  } else if (o.map == "embed") {
    if (o.out_dim < d) {
      throw ConfigError("observation map embed: out_dim = " + std::to_string(o.out_dim) +
                        " is invalid: expected at least the truth's dimension " + std::to_string(d));
    }
    if (!(o.nonlinearity >= 0) || !std::isfinite(o.nonlinearity)) {
      throw ConfigError("observation map embed: nonlinearity must be a number >= 0");
    }
    const int64_t n = o.out_dim;
    std::vector<double> mean(d, 0.0), sd(d, 0.0);
    double total = 0;
    for (const auto& truth : truths) total += static_cast<double>(truth.frames());
    for (const auto& truth : truths) {
      for (int64_t t = 0; t < truth.frames(); ++t) {
        for (int64_t i = 0; i < d; ++i) mean[i] += truth.at(t, i) / total;
      }
    }
    for (const auto& truth : truths) {
      for (int64_t t = 0; t < truth.frames(); ++t) {
        for (int64_t i = 0; i < d; ++i) sd[i] += (truth.at(t, i) - mean[i]) * (truth.at(t, i) - mean[i]) / total;
      }
    }
    for (auto& s : sd) s = s > 0 ? std::sqrt(s) : 1.0;
    const std::vector<double> q = random_orthonormal_columns(n, d, rng);
    std::normal_distribution<double> normal;
    std::uniform_real_distribution<double> uniform(-1.0, 1.0);
    std::vector<double> w(static_cast<size_t>(n * d)), b(static_cast<size_t>(n));
    for (auto& v : w) v = normal(rng);
    for (auto& v : b) v = uniform(rng);
    std::vector<double> s(d);
    for (const auto& truth : truths) {
      Array y = Array::zeros({truth.frames(), n});
      for (int64_t t = 0; t < truth.frames(); ++t) {
        for (int64_t i = 0; i < d; ++i) s[i] = (truth.at(t, i) - mean[i]) / sd[i];
        for (int64_t k = 0; k < n; ++k) {
          double lin = 0, pre = b[k];
          for (int64_t i = 0; i < d; ++i) {
            lin += q[k * d + i] * s[i];
            pre += w[k * d + i] * s[i];
          }
          y.at(t, k) = lin + o.nonlinearity * std::tanh(pre);
        }
      }
      out.push_back(std::move(y));
    }
  } else {
    throw ConfigError("observation map '" + o.map + "' is unknown; expected identity, warp, embed, spot or disc");
  }
  if (o.noise > 0) {
    std::normal_distribution<double> normal(0.0, o.noise);
    for (auto& y : out) {
      for (auto& v : y.data) v += normal(rng);
    }
  }
  return out;
}

}  // namespace dynae
