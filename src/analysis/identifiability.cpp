#include "dynae/analysis/identifiability.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "dynae/errors.h"

namespace dynae {
namespace {

using Matrix = Eigen::MatrixXd;

/// The mean over `rows` of the force's Jacobian df/dz at the latent points.
Matrix mean_jacobian(const Model& model, const Array& z, const std::vector<int64_t>& rows, const std::vector<double>& h) {
  const int64_t d = z.frame_size(), n = static_cast<int64_t>(rows.size());
  Matrix j = Matrix::Zero(d, d);
  if (n == 0) return j;
  // 2 d shifted copies of the points, one force evaluation.
  Array shifted = Array::zeros({2 * d * n, d});
  for (int64_t k = 0; k < d; ++k) {
    for (int64_t s = 0; s < 2; ++s) {
      for (int64_t r = 0; r < n; ++r) {
        double* out = shifted.data.data() + ((2 * k + s) * n + r) * d;
        const double* in = z.data.data() + rows[r] * d;
        std::copy(in, in + d, out);
        out[k] += s == 0 ? h[k] : -h[k];
      }
    }
  }
  const Array f = model.force(shifted);
  for (int64_t k = 0; k < d; ++k) {
    for (int64_t r = 0; r < n; ++r) {
      const double* plus = f.data.data() + ((2 * k) * n + r) * d;
      const double* minus = f.data.data() + ((2 * k + 1) * n + r) * d;
      for (int64_t i = 0; i < d; ++i) j(i, k) += (plus[i] - minus[i]) / (2 * h[k]);
    }
  }
  return j / static_cast<double>(n);
}

double kappa_of(double lambda, int64_t substeps) {
  const double s = static_cast<double>(substeps);
  if (lambda >= s) return std::numeric_limits<double>::infinity();
  return -s * std::log1p(-lambda / s);
}

}  // namespace

Identifiability diagnose_identifiability(const Model& model, const std::vector<Array>& latents, int64_t max_frames) {
  if (!model.has_dynamics()) throw Error("identifiability: this model has no learned dynamics");
  const int64_t d = model.options().latent_dim;
  for (const Array& l : latents) {
    if (l.rank() != 2 || l.frame_size() != d) {
      throw DataError("identifiability: latents of width " + std::to_string(l.frame_size()) + ", the model's is " +
                      std::to_string(d));
    }
  }
  const Array z = Array::concat_frames(latents);
  if (z.shape.empty() || z.frames() < 4) throw DataError("identifiability: fewer than 4 latent frames");
  const int64_t t = z.frames(), n = std::min(t, std::max<int64_t>(4, max_frames));
  std::vector<int64_t> rows, first, second;
  for (int64_t i = 0; i < n; ++i) {
    rows.push_back(i * t / n);
    (rows.back() < t / 2 ? first : second).push_back(rows.back());
  }
  // Steps of 1e-3 of each coordinate's spread.
  std::vector<double> h(static_cast<size_t>(d));
  for (int64_t k = 0; k < d; ++k) {
    double m = 0, m2 = 0;
    for (int64_t r : rows) {
      const double v = z.data[static_cast<size_t>(r * d + k)];
      m += v;
      m2 += v * v;
    }
    m /= static_cast<double>(n);
    h[k] = 1e-3 * std::max(1e-6, std::sqrt(std::max(0.0, m2 / static_cast<double>(n) - m * m)));
  }
  // The halves partition the frames: the whole mean is their weighted mean.
  const Matrix j1 = mean_jacobian(model, z, first, h), j2 = mean_jacobian(model, z, second, h);
  const Matrix j = (static_cast<double>(first.size()) * j1 + static_cast<double>(second.size()) * j2) /
                   static_cast<double>(rows.size());
  const Matrix relax = -(j + j.transpose()) / 2;
  Eigen::SelfAdjointEigenSolver<Matrix> eig(relax);
  Identifiability id;
  id.substeps = std::max<int64_t>(1, model.options().prior_substeps);
  id.directions = Array::zeros({d, d});
  const Array& diffusion = model.latent_diffusion();
  for (int64_t o = 0; o < d; ++o) {
    const int64_t i = d - 1 - o;  // descending
    const Eigen::VectorXd v = eig.eigenvectors().col(i);
    id.lambda.push_back(eig.eigenvalues()(i));
    id.kappa.push_back(kappa_of(id.lambda.back(), id.substeps));
    for (int64_t k = 0; k < d; ++k) id.directions.data[static_cast<size_t>(o * d + k)] = v(k);
    id.kappa_first_half.push_back(kappa_of(-v.dot(j1 * v), id.substeps));
    id.kappa_second_half.push_back(kappa_of(-v.dot(j2 * v), id.substeps));
    if (diffusion.size() == static_cast<size_t>(d * d)) {
      double dv = 0;
      for (int64_t a = 0; a < d; ++a) {
        for (int64_t b = 0; b < d; ++b) dv += v(a) * diffusion.data[static_cast<size_t>(a * d + b)] * v(b);
      }
      id.diffusion.push_back(dv);
    }
  }
  return id;
}

std::string identifiability_text(const Identifiability& id, int64_t lag) {
  std::string out;
  char line[512];
  const auto d = static_cast<int64_t>(id.kappa.size());
  std::snprintf(line, sizeof line,
                "identifiability (no ground truth): relaxation per lag kappa along the learned force's eigen-directions "
                "(lag %lld frames, %lld substep(s)); kappa > 1 relaxes within one lag\n",
                static_cast<long long>(lag), static_cast<long long>(id.substeps));
  out += line;
  for (int64_t i = 0; i < d; ++i) {
    std::string dir = "(";
    for (int64_t k = 0; k < d; ++k) {
      char c[32];
      std::snprintf(c, sizeof c, "%s%.3f", k ? ", " : "", id.directions.data[static_cast<size_t>(i * d + k)]);
      dir += c;
    }
    dir += ")";
    std::snprintf(line, sizeof line, "  direction %lld %s: kappa %.3g (halves of the frames: %.3g, %.3g)",
                  static_cast<long long>(i), dir.c_str(), id.kappa[i], id.kappa_first_half[i], id.kappa_second_half[i]);
    out += line;
    if (!id.diffusion.empty()) {
      std::snprintf(line, sizeof line, ", measured diffusion %.3g (trained to 1)", id.diffusion[i]);
      out += line;
    }
    out += "\n";
  }
  const double spread = id.halves_spread();
  if (std::isfinite(spread)) {
    std::snprintf(line, sizeof line,
                  "  the two halves of the frames agree on kappa within %.0f %% (largest relative difference over the "
                  "directions%s)\n",
                  100 * spread, spread > 0.2 ? ": the estimate is not settled, more frames would firm it up" : "");
    out += line;
  }
  const std::vector<int64_t> flagged = id.flagged();
  if (flagged.empty()) {
    out += "  every direction relaxes over more than one lag: the dynamics fix the latent's scale along each\n";
    return out;
  }
  std::string names;
  for (int64_t i : flagged) names += (names.empty() ? "" : ", ") + std::to_string(i);
  out += "  warning: direction(s) " + names +
         " relax within one lag (kappa > 1): the moves do not fix the latent's scale along them, and the isometry "
         "to the true slow coordinates does not hold there. Train at a shorter lag (--lag), or let the prior take "
         "Euler substeps per lag (--prior-substeps 0 chooses them)\n";
  return out;
}

}  // namespace dynae
