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

void ObservationOptions::validate(int64_t d) const {
  if (map != "identity" && map != "warp" && map != "embed") {
    throw ConfigError("observation map '" + map + "' is unknown; expected identity, warp, embed, spot or disc");
  }
  if (!(noise >= 0) || !std::isfinite(noise)) {
    throw ConfigError("observation noise = " + std::to_string(noise) + " is invalid: expected a number >= 0");
  }
  if (map == "warp") {
    if (d < 2) throw ConfigError("observation map warp needs truth with d >= 2 (it adds warp * x_0^2 to the others)");
    if (!std::isfinite(warp)) throw ConfigError("warp coefficient is not finite");
    if (!std::isfinite(shear)) throw ConfigError("shear coefficient is not finite");
  }
  if (map == "embed") {
    if (out_dim < d || out_dim > 100000) {
      throw ConfigError("observation map embed: out_dim = " + std::to_string(out_dim) +
                        " is invalid: expected at least the truth's dimension " + std::to_string(d) +
                        " and at most 100000");
    }
    if (!(nonlinearity >= 0) || !std::isfinite(nonlinearity)) {
      throw ConfigError("observation map embed: nonlinearity must be a number >= 0");
    }
  }
}

Array observe(const Array& truth, const ObservationOptions& o) { return observe(std::vector<Array>{truth}, o)[0]; }

namespace {

void check_truths(const std::vector<Array>& truths, const ObservationOptions& options) {
  if (truths.empty()) throw ConfigError("observe: no trajectories given");
  for (const auto& truth : truths) {
    if (truth.rank() != 2 || truth.frames() < 1 || truth.shape[1] != truths[0].shape[1]) {
      throw ConfigError("observe: expected truth trajectories of shape (T, d) with one d, got " + truth.shape_string());
    }
  }
  options.validate(truths[0].shape[1]);
}

/// (x_0, x_i) -> (x_0, x_i + warp x_0^2) for every other coordinate i, then
/// y_0 += shear y_1 (invertible: x_0 = y_0 - shear y_1, then x_i).
std::vector<Array> warp_map(const std::vector<Array>& truths, double warp, double shear) {
  const int64_t d = truths[0].shape[1];
  if (d < 2) throw ConfigError("observation map warp needs truth with d >= 2 (it adds warp * x_0^2 to the others)");
  if (!std::isfinite(warp)) throw ConfigError("warp coefficient is not finite");
  if (!std::isfinite(shear)) throw ConfigError("shear coefficient is not finite");
  std::vector<Array> out;
  for (const auto& truth : truths) {
    Array y = truth;
    for (int64_t t = 0; t < truth.frames(); ++t) {
      const double x0 = truth.at(t, 0);
      for (int64_t i = 1; i < d; ++i) y.at(t, i) += warp * x0 * x0;
      y.at(t, 0) += shear * y.at(t, 1);
    }
    out.push_back(std::move(y));
  }
  return out;
}

/// Mean and standard deviation (1 where constant) of each coordinate over every frame.
void truth_moments(const std::vector<Array>& truths, std::vector<double>& mean, std::vector<double>& sd) {
  const int64_t d = truths[0].shape[1];
  mean.assign(d, 0.0);
  sd.assign(d, 0.0);
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
  for (auto& v : sd) v = v > 0 ? std::sqrt(v) : 1.0;
}

/// y = Q s + nonlinearity tanh(W s + b), s the standardised truth, Q (n, d)
/// orthonormal, W and b drawn from rng.
std::vector<Array> embed_map(const std::vector<Array>& truths, const ObservationOptions& options,
                             std::mt19937_64& rng) {
  const int64_t d = truths[0].shape[1], n = options.out_dim;
  if (n < d) {
    throw ConfigError("observation map embed: out_dim = " + std::to_string(n) +
                      " is invalid: expected at least the truth's dimension " + std::to_string(d));
  }
  if (!(options.nonlinearity >= 0) || !std::isfinite(options.nonlinearity)) {
    throw ConfigError("observation map embed: nonlinearity must be a number >= 0");
  }
  std::vector<double> mean, sd;
  truth_moments(truths, mean, sd);
  const std::vector<double> q = random_orthonormal_columns(n, d, rng);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  std::vector<double> w(static_cast<size_t>(n * d)), b(static_cast<size_t>(n));
  for (auto& v : w) v = normal(rng);
  for (auto& v : b) v = uniform(rng);
  std::vector<double> standardised(d);
  std::vector<Array> out;
  for (const auto& truth : truths) {
    Array y = Array::zeros({truth.frames(), n});
    for (int64_t t = 0; t < truth.frames(); ++t) {
      for (int64_t i = 0; i < d; ++i) standardised[i] = (truth.at(t, i) - mean[i]) / sd[i];
      for (int64_t k = 0; k < n; ++k) {
        double lin = 0, pre = b[k];
        for (int64_t i = 0; i < d; ++i) {
          lin += q[k * d + i] * standardised[i];
          pre += w[k * d + i] * standardised[i];
        }
        y.at(t, k) = lin + options.nonlinearity * std::tanh(pre);
      }
    }
    out.push_back(std::move(y));
  }
  return out;
}

}  // namespace

std::vector<Array> observe(const std::vector<Array>& truths, const ObservationOptions& options) {
  check_truths(truths, options);
  std::mt19937_64 rng(options.seed ^ 0x6f627365727665ULL);
  std::vector<Array> out;
  if (options.map == "identity") {
    out = truths;
  } else if (options.map == "warp") {
    out = warp_map(truths, options.warp, options.shear);
  } else if (options.map == "embed") {
    out = embed_map(truths, options, rng);
  } else {
    throw ConfigError("observation map '" + options.map + "' is unknown; expected identity, warp, embed, spot or disc");
  }
  if (options.noise > 0) {
    std::normal_distribution<double> normal(0.0, options.noise);
    for (auto& y : out) {
      for (auto& v : y.data) v += normal(rng);
    }
  }
  return out;
}

}  // namespace dynae
