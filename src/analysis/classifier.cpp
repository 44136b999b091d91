#include "dynae/analysis/classifier.h"

#include <Eigen/Dense>
#include <cmath>

#include "dynae/errors.h"

namespace dynae {
namespace {

int64_t feature_count(int64_t d, bool quadratic) { return quadratic ? d + d * (d + 1) / 2 : d; }

// The raw (unstandardised) features of one frame.
void raw_features(const double* z, int64_t d, bool quadratic, double* out) {
  for (int64_t i = 0; i < d; ++i) out[i] = z[i];
  if (!quadratic) return;
  int64_t k = d;
  for (int64_t i = 0; i < d; ++i) {
    for (int64_t j = i; j < d; ++j) out[k++] = z[i] * z[j];
  }
}

Eigen::MatrixXd design(const LogisticModel& m, const Array& z) {
  const int64_t d = z.frame_size(), p = feature_count(d, m.quadratic), T = z.frames();
  Eigen::MatrixXd X(T, p + 1);
  std::vector<double> f(static_cast<size_t>(p));
  for (int64_t t = 0; t < T; ++t) {
    raw_features(z.data.data() + t * d, d, m.quadratic, f.data());
    X(t, 0) = 1;
    for (int64_t k = 0; k < p; ++k) X(t, k + 1) = (f[k] - m.mean[k]) / m.scale[k];
  }
  return X;
}

void check(const Array& z, const std::vector<int>& labels) {
  if (z.rank() != 2 || z.frames() < 2) throw DataError("classifier: expected frames (T, d), got " + z.shape_string());
  if (static_cast<int64_t>(labels.size()) != z.frames()) {
    throw DataError("classifier: " + std::to_string(labels.size()) + " labels for " + std::to_string(z.frames()) +
                    " frames");
  }
  for (double v : z.data) {
    if (!std::isfinite(v)) throw DataError("classifier: the frames hold a non-finite value");
  }
}

}  // namespace

std::vector<double> LogisticModel::probability(const Array& z) const {
  const Eigen::MatrixXd X = design(*this, z);
  const Eigen::VectorXd w = Eigen::Map<const Eigen::VectorXd>(weights.data(), static_cast<Eigen::Index>(weights.size()));
  const Eigen::VectorXd eta = X * w;
  std::vector<double> p(static_cast<size_t>(eta.size()));
  for (Eigen::Index i = 0; i < eta.size(); ++i) p[static_cast<size_t>(i)] = 1 / (1 + std::exp(-eta(i)));
  return p;
}

LogisticModel fit_logistic(const Array& z, const std::vector<int>& labels, bool quadratic, double ridge) {
  check(z, labels);
  int64_t ones = 0;
  for (int y : labels) {
    if (y != 0 && y != 1) throw DataError("classifier: labels must be 0 or 1, got " + std::to_string(y));
    ones += y;
  }
  if (ones == 0 || ones == static_cast<int64_t>(labels.size())) {
    throw DataError("classifier: every training frame has the same label; nothing to separate");
  }
  LogisticModel m;
  m.quadratic = quadratic;
  const int64_t d = z.frame_size(), p = feature_count(d, quadratic), T = z.frames();
  // Standardise each feature by the training frames' mean and sd.
  m.mean.assign(static_cast<size_t>(p), 0.0);
  m.scale.assign(static_cast<size_t>(p), 0.0);
  std::vector<double> f(static_cast<size_t>(p));
  for (int64_t t = 0; t < T; ++t) {
    raw_features(z.data.data() + t * d, d, quadratic, f.data());
    for (int64_t k = 0; k < p; ++k) {
      m.mean[k] += f[k];
      m.scale[k] += f[k] * f[k];
    }
  }
  for (int64_t k = 0; k < p; ++k) {
    m.mean[k] /= static_cast<double>(T);
    const double var = m.scale[k] / static_cast<double>(T) - m.mean[k] * m.mean[k];
    m.scale[k] = var > 1e-300 ? std::sqrt(var) : 1.0;
  }
  const Eigen::MatrixXd X = design(m, z);
  Eigen::VectorXd y(T), w = Eigen::VectorXd::Zero(p + 1);
  for (int64_t t = 0; t < T; ++t) y(t) = labels[static_cast<size_t>(t)];
  Eigen::MatrixXd penalty = Eigen::MatrixXd::Identity(p + 1, p + 1) * ridge * static_cast<double>(T);
  penalty(0, 0) = 0;
  for (m.iterations = 1; m.iterations <= 100; ++m.iterations) {
    const Eigen::VectorXd eta = X * w;
    Eigen::VectorXd mu(T), s(T);
    for (int64_t t = 0; t < T; ++t) {
      mu(t) = 1 / (1 + std::exp(-eta(t)));
      s(t) = std::max(mu(t) * (1 - mu(t)), 1e-12);
    }
    const Eigen::VectorXd grad = X.transpose() * (mu - y) + penalty * w;
    const Eigen::MatrixXd H = X.transpose() * s.asDiagonal() * X + penalty;
    const Eigen::VectorXd step = H.ldlt().solve(grad);
    w -= step;
    if (step.cwiseAbs().maxCoeff() < 1e-8 * (1 + w.cwiseAbs().maxCoeff())) break;
  }
  m.weights.assign(w.data(), w.data() + w.size());
  return m;
}

double classification_accuracy(const LogisticModel& model, const Array& z, const std::vector<int>& labels) {
  check(z, labels);
  const std::vector<double> p = model.probability(z);
  int64_t right = 0;
  for (size_t t = 0; t < p.size(); ++t) right += (p[t] > 0.5) == (labels[t] == 1);
  return static_cast<double>(right) / static_cast<double>(p.size());
}

}  // namespace dynae
