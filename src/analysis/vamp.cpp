#include "dynae/analysis/vamp.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

#include "dynae/errors.h"

namespace dynae {
namespace {

constexpr int64_t kChunk = 4096;  // frames per covariance update

struct Covariances {
  Eigen::VectorXd mean0, meant;
  Eigen::MatrixXd c00, c0t, ctt;
  int64_t pairs = 0;
};

Covariances covariances(const std::vector<Array>& trajs, int64_t lag, int64_t features) {
  if (lag < 1) throw DataError("VAMP: lag must be >= 1 frame, got " + std::to_string(lag));
  Covariances c;
  const int64_t d = features;
  c.mean0 = Eigen::VectorXd::Zero(d);
  c.meant = Eigen::VectorXd::Zero(d);
  for (size_t k = 0; k < trajs.size(); ++k) {
    const Array& x = trajs[k];
    if (x.frame_size() != d) {
      throw DataError("VAMP: trajectory " + std::to_string(k) + " has " + std::to_string(x.frame_size()) +
                      " features per frame, the first has " + std::to_string(d));
    }
    for (double v : x.data) {
      if (!std::isfinite(v)) throw DataError("VAMP: trajectory " + std::to_string(k) + " holds a non-finite value");
    }
    for (int64_t t = 0; t + lag < x.frames(); ++t) {
      c.mean0 += Eigen::Map<const Eigen::VectorXd>(&x.data[t * d], d);
      c.meant += Eigen::Map<const Eigen::VectorXd>(&x.data[(t + lag) * d], d);
      ++c.pairs;
    }
  }
  if (c.pairs < 2) {
    throw DataError("VAMP at lag " + std::to_string(lag) + ": " + std::to_string(c.pairs) +
                    " lag pairs (need at least 2; the lag is as long as the trajectories)");
  }
  c.mean0 /= static_cast<double>(c.pairs);
  c.meant /= static_cast<double>(c.pairs);
  c.c00 = c.c0t = c.ctt = Eigen::MatrixXd::Zero(d, d);
  for (const Array& x : trajs) {
    const int64_t n = x.frames() - lag;
    if (n <= 0) continue;
    // Row-major (T, d) frames seen as a column-major (d, T) matrix, taken in
    // chunks so that memory stays a few MB whatever the length.
    const Eigen::Map<const Eigen::MatrixXd> all(x.data.data(), d, x.frames());
    for (int64_t begin = 0; begin < n; begin += kChunk) {
      const int64_t m = std::min(kChunk, n - begin);
      const Eigen::MatrixXd a = all.middleCols(begin, m).colwise() - c.mean0;
      const Eigen::MatrixXd b = all.middleCols(begin + lag, m).colwise() - c.meant;
      c.c00.selfadjointView<Eigen::Lower>().rankUpdate(a);
      c.c0t.noalias() += a * b.transpose();
      c.ctt.selfadjointView<Eigen::Lower>().rankUpdate(b);
    }
  }
  c.c00 = c.c00.selfadjointView<Eigen::Lower>();
  c.ctt = c.ctt.selfadjointView<Eigen::Lower>();
  c.c00 /= static_cast<double>(c.pairs);
  c.c0t /= static_cast<double>(c.pairs);
  c.ctt /= static_cast<double>(c.pairs);
  return c;
}

/// C^-1/2 restricted to eigenvalues above epsilon * largest: (d, r).
Eigen::MatrixXd inverse_sqrt(const Eigen::MatrixXd& c, double epsilon) {
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es((c + c.transpose()) / 2);
  const Eigen::VectorXd& l = es.eigenvalues();
  const double top = l.size() ? l.maxCoeff() : 0;
  std::vector<int64_t> keep;
  for (int64_t i = l.size() - 1; i >= 0; --i) {
    if (top > 0 && l(i) > epsilon * top) keep.push_back(i);
  }
  Eigen::MatrixXd out(c.rows(), static_cast<int64_t>(keep.size()));
  for (size_t k = 0; k < keep.size(); ++k) out.col(k) = es.eigenvectors().col(keep[k]) / std::sqrt(l(keep[k]));
  return out;
}

/// Symmetric M^-1/2 of a small positive semi-definite matrix (zero on its numerical null space).
Eigen::MatrixXd symmetric_inverse_sqrt(const Eigen::MatrixXd& m, double epsilon) {
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es((m + m.transpose()) / 2);
  const Eigen::VectorXd& l = es.eigenvalues();
  const double top = l.size() ? l.maxCoeff() : 0;
  Eigen::VectorXd s = Eigen::VectorXd::Zero(l.size());
  for (int64_t i = 0; i < l.size(); ++i) {
    if (top > 0 && l(i) > epsilon * top) s(i) = 1 / std::sqrt(l(i));
  }
  return es.eigenvectors() * s.asDiagonal() * es.eigenvectors().transpose();
}

}  // namespace

double VampModel::score() const {
  double s = 1;
  for (double v : singular_values) s += v * v;
  return s;
}

VampModel fit_vamp(const std::vector<Array>& trajs, int64_t lag, const VampOptions& o) {
  if (trajs.empty()) throw DataError("VAMP: no trajectory given");
  if (!(o.epsilon > 0 && o.epsilon < 1)) throw ConfigError("VAMP: epsilon must be in (0, 1)");
  if (o.rank < 0) throw ConfigError("VAMP: rank must be >= 0");
  const int64_t d = trajs[0].frame_size();
  const Covariances c = covariances(trajs, lag, d);
  const Eigen::MatrixXd w0 = inverse_sqrt(c.c00, o.epsilon), wt = inverse_sqrt(c.ctt, o.epsilon);
  VampModel m;
  m.lag = lag;
  m.features = d;
  m.mean0.assign(c.mean0.data(), c.mean0.data() + d);
  m.meant.assign(c.meant.data(), c.meant.data() + d);
  if (w0.cols() == 0 || wt.cols() == 0) {
    m.u = Array::zeros({d, 0});
    m.v = Array::zeros({d, 0});
    return m;  // constant features: only the constant function, score 1
  }
  const Eigen::MatrixXd k = w0.transpose() * c.c0t * wt;
  const Eigen::JacobiSVD<Eigen::MatrixXd> svd(k, Eigen::ComputeThinU | Eigen::ComputeThinV);
  int64_t r = svd.singularValues().size();
  if (o.rank > 0) r = std::min(r, o.rank);
  const Eigen::MatrixXd u = w0 * svd.matrixU().leftCols(r), v = wt * svd.matrixV().leftCols(r);
  m.singular_values.assign(svd.singularValues().data(), svd.singularValues().data() + r);
  m.u = Array::zeros({d, r});
  m.v = Array::zeros({d, r});
  for (int64_t i = 0; i < d; ++i) {
    for (int64_t j = 0; j < r; ++j) {
      m.u.data[i * r + j] = u(i, j);
      m.v.data[i * r + j] = v(i, j);
    }
  }
  return m;
}

double vamp2_score(const VampModel& m, const std::vector<Array>& test) {
  if (test.empty()) throw DataError("VAMP: no test trajectory given");
  if (test[0].frame_size() != m.features) {
    throw DataError("VAMP: test data has " + std::to_string(test[0].frame_size()) + " features per frame, the model " +
                    std::to_string(m.features));
  }
  const int64_t r = m.rank();
  if (r == 0) return 1;
  const Covariances c = covariances(test, m.lag, m.features);
  const Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> u(m.u.data.data(), m.features, r),
      v(m.v.data.data(), m.features, r);
  const Eigen::MatrixXd a = u.transpose() * c.c00 * u, b = v.transpose() * c.ctt * v, x = u.transpose() * c.c0t * v;
  const double eps = 1e-10;
  const Eigen::MatrixXd k = symmetric_inverse_sqrt(a, eps) * x * symmetric_inverse_sqrt(b, eps);
  return 1 + k.squaredNorm();
}

std::pair<std::vector<Array>, std::vector<Array>> split_trajectories(const std::vector<Array>& trajs, double f) {
  if (!(f > 0 && f < 1)) throw ConfigError("VAMP: test fraction must be in (0, 1), got " + std::to_string(f));
  std::vector<Array> train, test;
  if (trajs.size() >= 2) {
    const size_t every = std::max<size_t>(2, static_cast<size_t>(std::lround(1 / f)));
    for (size_t k = 0; k < trajs.size(); ++k) (k % every == every - 1 ? test : train).push_back(trajs[k]);
    if (test.empty()) {
      test.push_back(train.back());
      train.pop_back();
    }
  } else if (trajs.size() == 1) {
    const int64_t n = trajs[0].frames(), cut = n - std::max<int64_t>(1, std::llround(f * n));
    train.push_back(trajs[0].slice_frames(0, cut));
    test.push_back(trajs[0].slice_frames(cut, n));
  }
  return {train, test};
}

}  // namespace dynae
