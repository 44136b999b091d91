#include "dynae/analysis/alignment.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <string>

#include "dynae/errors.h"

namespace dynae {
namespace {

using Matrix = Eigen::MatrixXd;

/// The latent centred, zero-padded to `cols` columns.
Matrix centred(const Array& a, int64_t cols, const char* what) {
  if (a.rank() != 2) throw DataError(std::string(what) + ": expected a (frames, d) latent");
  const int64_t t = a.frames(), d = a.frame_size();
  Matrix m = Matrix::Zero(t, cols);
  for (int64_t i = 0; i < t; ++i) {
    for (int64_t j = 0; j < d; ++j) {
      const double v = a.data[static_cast<size_t>(i * d + j)];
      if (!std::isfinite(v)) {
        throw DataError(std::string(what) + ": a non-finite value at frame " + std::to_string(i));
      }
      m(i, j) = v;
    }
  }
  m.rowwise() -= m.colwise().mean();
  if (m.norm() == 0) throw DataError(std::string(what) + ": constant (every frame at the same point)");
  return m;
}

void check_pair(const Array& a, const Array& b) {
  if (a.rank() != 2 || b.rank() != 2) throw DataError("alignment: latents must be (frames, d) arrays");
  if (a.frames() != b.frames()) {
    throw DataError("alignment: latents of " + std::to_string(a.frames()) + " and " + std::to_string(b.frames()) +
                    " frames (expected latents of the same frames)");
  }
  if (a.frames() < 3) throw DataError("alignment: fewer than 3 frames");
}

double disparity_of(const Matrix& a, const Matrix& b) {
  const Matrix an = a / a.norm(), bn = b / b.norm();
  const double nuclear = Eigen::JacobiSVD<Matrix>(an.transpose() * bn).singularValues().sum();
  return std::clamp(1.0 - nuclear * nuclear, 0.0, 1.0);
}

/// Each frame's k nearest other frames (indices into `rows`).
std::vector<std::vector<int64_t>> neighbours(const Matrix& m, const std::vector<int64_t>& rows, int64_t k) {
  const auto n = static_cast<int64_t>(rows.size());
  std::vector<std::vector<int64_t>> out(static_cast<size_t>(n));
  std::vector<std::pair<double, int64_t>> dist(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) dist[j] = {(m.row(rows[i]) - m.row(rows[j])).squaredNorm(), j};
    dist[i].first = INFINITY;
    std::partial_sort(dist.begin(), dist.begin() + k, dist.end());
    for (int64_t j = 0; j < k; ++j) out[i].push_back(dist[j].second);
    std::sort(out[i].begin(), out[i].end());
  }
  return out;
}

}  // namespace

LatentAlignment align_latents(const Array& a, const Array& b, int64_t k, int64_t max_frames) {
  check_pair(a, b);
  const int64_t cols = std::max(a.frame_size(), b.frame_size());
  const Matrix ma = centred(a, cols, "first latent"), mb = centred(b, cols, "second latent");
  LatentAlignment r;
  r.disparity = disparity_of(ma, mb);
  const double ab = (ma.transpose() * mb).squaredNorm();
  r.cka = ab / ((ma.transpose() * ma).norm() * (mb.transpose() * mb).norm());
  // Mutual neighbours on evenly spaced frames.
  const int64_t t = a.frames(), n = std::min(t, std::max<int64_t>(max_frames, 3));
  std::vector<int64_t> rows;
  for (int64_t i = 0; i < n; ++i) rows.push_back(i * t / n);
  const int64_t kk = std::clamp<int64_t>(k, 1, n - 1);
  const auto na = neighbours(ma, rows, kk), nb = neighbours(mb, rows, kk);
  double shared = 0;
  for (int64_t i = 0; i < n; ++i) {
    std::vector<int64_t> both;
    std::set_intersection(na[i].begin(), na[i].end(), nb[i].begin(), nb[i].end(), std::back_inserter(both));
    shared += static_cast<double>(both.size()) / static_cast<double>(kk);
  }
  r.knn_overlap = shared / static_cast<double>(n);
  return r;
}

Array consensus_latent(const std::vector<Array>& latents, std::vector<double>* residuals) {
  if (latents.empty()) throw DataError("consensus: no latents");
  int64_t cols = 0;
  for (const Array& l : latents) {
    check_pair(latents[0], l);
    cols = std::max(cols, l.frame_size());
  }
  std::vector<Matrix> m;
  for (size_t i = 0; i < latents.size(); ++i) {
    Matrix c = centred(latents[i], cols, ("latent " + std::to_string(i)).c_str());
    m.push_back(c / c.norm());
  }
  Matrix mean = m[0];
  for (int iteration = 0; iteration < 100; ++iteration) {
    Matrix next = Matrix::Zero(mean.rows(), mean.cols());
    for (Matrix& x : m) {
      // The rotation (reflections allowed) of x onto the mean: U V^T of x^T mean's SVD.
      Eigen::JacobiSVD<Matrix> svd(x.transpose() * mean, Eigen::ComputeThinU | Eigen::ComputeThinV);
      x = x * (svd.matrixU() * svd.matrixV().transpose());
      next += x;
    }
    next /= next.norm();
    const double change = (next - mean).norm();
    mean = next;
    if (change < 1e-12) break;
  }
  if (residuals) {
    residuals->clear();
    for (const Matrix& x : m) residuals->push_back(disparity_of(x, mean));
  }
  // At the first latent's scale and mean.
  const Array& a0 = latents[0];
  const int64_t d0 = a0.frame_size();
  std::vector<double> offset(static_cast<size_t>(cols), 0.0);
  for (int64_t r = 0; r < a0.frames(); ++r) {
    for (int64_t j = 0; j < d0; ++j) offset[j] += a0.data[static_cast<size_t>(r * d0 + j)];
  }
  for (double& o : offset) o /= static_cast<double>(a0.frames());
  const Matrix scaled = mean * centred(a0, cols, "latent 0").norm();
  Array out = Array::zeros({scaled.rows(), cols});
  for (int64_t i = 0; i < scaled.rows(); ++i) {
    for (int64_t j = 0; j < cols; ++j) out.data[static_cast<size_t>(i * cols + j)] = scaled(i, j) + offset[j];
  }
  return out;
}

}  // namespace dynae
