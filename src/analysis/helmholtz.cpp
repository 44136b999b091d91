#include "dynae/analysis/helmholtz.h"

#include <Eigen/Dense>
#include <Eigen/Sparse>
#include <Eigen/SparseCholesky>
#include <algorithm>
#include <cmath>
#include <complex>
#include <string>

#include "dynae/analysis/landscape.h"
#include "dynae/errors.h"

namespace dynae {
namespace {

constexpr int kMinDegree = 2, kMaxDegree = 8;

struct Grid {
  int64_t nx, ny;
  double hx, hy;
  const std::vector<char>* active;  ///< the cells the split is made on
  int64_t at(int64_t i, int64_t j) const { return i * ny + j; }
  bool on(int64_t i, int64_t j) const { return (*active)[static_cast<size_t>(at(i, j))] != 0; }
};

double spacing(const std::vector<double>& axis, const char* name) {
  const double h = (axis.back() - axis.front()) / static_cast<double>(axis.size() - 1);
  if (!(h > 0) || !std::isfinite(h)) {
    throw DataError(std::string("Helmholtz split: the ") + name + " axis must increase, got " +
                    std::to_string(axis.front()) + " .. " + std::to_string(axis.back()));
  }
  for (size_t i = 1; i < axis.size(); ++i) {
    if (std::abs(axis[i] - axis[i - 1] - h) > 1e-6 * h) {
      throw DataError(std::string("Helmholtz split: the ") + name + " axis is not equally spaced");
    }
  }
  return h;
}

/// Strain (a_x, (a_y + b_x) / 2, b_y) of the cell field (a, b): central
/// differences inside, one-sided at the edges.
void strain(const Grid& g, const std::vector<double>& a, const std::vector<double>& b, std::vector<double>& out) {
  out.assign(static_cast<size_t>(3 * g.nx * g.ny), 0.0);
  auto dx = [&](const std::vector<double>& v, int64_t i, int64_t j) {
    const int64_t lo = std::max<int64_t>(i - 1, 0), hi = std::min<int64_t>(i + 1, g.nx - 1);
    return (v[g.at(hi, j)] - v[g.at(lo, j)]) / (static_cast<double>(hi - lo) * g.hx);
  };
  auto dy = [&](const std::vector<double>& v, int64_t i, int64_t j) {
    const int64_t lo = std::max<int64_t>(j - 1, 0), hi = std::min<int64_t>(j + 1, g.ny - 1);
    return (v[g.at(i, hi)] - v[g.at(i, lo)]) / (static_cast<double>(hi - lo) * g.hy);
  };
  for (int64_t i = 0; i < g.nx; ++i) {
    for (int64_t j = 0; j < g.ny; ++j) {
      const int64_t c = g.at(i, j);
      out[3 * c] = dx(a, i, j);
      out[3 * c + 1] = 0.5 * (dy(a, i, j) + dx(b, i, j));
      out[3 * c + 2] = dy(b, i, j);
    }
  }
}

/// Step 2 of the split (full grid only): the harmonic part the boundary
/// condition left in r goes to the curl-free part, by the least weighted
/// strain over harmonic polynomials about the weights' centre, scaled by the
/// grid's half-extent. Updates r (rx, ry) and phi.
void remove_harmonic_part(const Grid& g, const std::vector<double>& x, const std::vector<double>& y,
                          const std::vector<double>& w, double wsum, std::vector<double>& rx, std::vector<double>& ry,
                          std::vector<double>& phi) {
  const int64_t nx = g.nx, ny = g.ny, cells = nx * ny;
  double cx = 0, cy = 0;
  for (int64_t i = 0; i < nx; ++i) {
    for (int64_t j = 0; j < ny; ++j) {
      cx += w[g.at(i, j)] * x[i];
      cy += w[g.at(i, j)] * y[j];
    }
  }
  cx /= wsum;
  cy /= wsum;
  const double s = 0.5 * std::max(x.back() - x.front(), y.back() - y.front());
  const int basis = 2 * (kMaxDegree - kMinDegree + 1);
  // per basis function: its value and gradient at every cell
  std::vector<std::vector<double>> hv(basis, std::vector<double>(cells)), hx(basis, std::vector<double>(cells)),
      hy(basis, std::vector<double>(cells));
  for (int64_t i = 0; i < nx; ++i) {
    for (int64_t j = 0; j < ny; ++j) {
      const int64_t c = g.at(i, j);
      const std::complex<double> z((x[i] - cx) / s, (y[j] - cy) / s);
      for (int k = kMinDegree; k <= kMaxDegree; ++k) {
        const std::complex<double> value = std::pow(z, k), dz = static_cast<double>(k) * std::pow(z, k - 1) / s;
        const int b = 2 * (k - kMinDegree);
        hv[b][c] = value.real();  // Re z^k: grad = (Re h', -Im h')
        hx[b][c] = dz.real();
        hy[b][c] = -dz.imag();
        hv[b + 1][c] = value.imag();  // Im z^k: grad = (Im h', Re h')
        hx[b + 1][c] = dz.imag();
        hy[b + 1][c] = dz.real();
      }
    }
  }
  Eigen::MatrixXd M(3 * cells, basis);
  Eigen::VectorXd rhs(3 * cells);
  std::vector<double> st;
  const double frob[3] = {1.0, std::sqrt(2.0), 1.0};
  strain(g, rx, ry, st);
  for (int64_t c = 0; c < cells; ++c) {
    for (int k = 0; k < 3; ++k) rhs[3 * c + k] = -std::sqrt(w[c]) * frob[k] * st[3 * c + k];
  }
  for (int b = 0; b < basis; ++b) {
    strain(g, hx[b], hy[b], st);
    for (int64_t c = 0; c < cells; ++c) {
      for (int k = 0; k < 3; ++k) M(3 * c + k, b) = std::sqrt(w[c]) * frob[k] * st[3 * c + k];
    }
  }
  const Eigen::VectorXd coef = M.colPivHouseholderQr().solve(rhs);
  for (int64_t c = 0; c < cells; ++c) {
    for (int b = 0; b < basis; ++b) {
      rx[c] += coef[b] * hx[b][c];
      ry[c] += coef[b] * hy[b][c];
      phi[c] += coef[b] * hv[b][c];
    }
  }
}

}  // namespace

HelmholtzSplit helmholtz_split(const std::vector<double>& x, const std::vector<double>& y, const Array& field,
                               const Array& weights, bool support_only) {
  const int64_t nx = static_cast<int64_t>(x.size()), ny = static_cast<int64_t>(y.size());
  if (nx < 4 || ny < 4) throw DataError("Helmholtz split: the grid needs at least 4 x 4 points");
  if (field.shape != std::vector<int64_t>{nx, ny, 2}) {
    throw DataError("Helmholtz split: the field has shape " + field.shape_string() + ", expected (" +
                    std::to_string(nx) + ", " + std::to_string(ny) + ", 2)");
  }
  for (double v : field.data) {
    if (!std::isfinite(v)) throw DataError("Helmholtz split: the field holds a non-finite value");
  }
  const int64_t cells = nx * ny;
  std::vector<char> active(static_cast<size_t>(cells), 1);
  const Grid g{nx, ny, spacing(x, "first"), spacing(y, "second"), &active};
  std::vector<double> w(static_cast<size_t>(cells), 1.0);
  if (weights.size()) {
    if (weights.shape != std::vector<int64_t>{nx, ny}) {
      throw DataError("Helmholtz split: the weights have shape " + weights.shape_string() + ", expected (" +
                      std::to_string(nx) + ", " + std::to_string(ny) + ")");
    }
    w = weights.data.to_vector();
  }
  double wsum = 0;
  for (double v : w) {
    if (!(v >= 0) || !std::isfinite(v)) throw DataError("Helmholtz split: weights must be finite and >= 0");
    wsum += v;
  }
  if (!(wsum > 0)) throw DataError("Helmholtz split: the weights sum to zero");
  if (support_only) {
    for (int64_t c = 0; c < cells; ++c) active[c] = w[c] > 0;
  }

  std::vector<double> fx(static_cast<size_t>(cells)), fy(static_cast<size_t>(cells));
  for (int64_t c = 0; c < cells; ++c) {
    fx[c] = field.data[2 * c];
    fy[c] = field.data[2 * c + 1];
  }
  // 1. Finite volumes: face values of f are the means of the two cells, zero
  // flux through the grid's boundary; -lap(phi) = div f with r . n = 0 there.
  Eigen::VectorXd div = Eigen::VectorXd::Zero(cells);
  std::vector<Eigen::Triplet<double>> entries;
  const double ax = 1 / (g.hx * g.hx), ay = 1 / (g.hy * g.hy);
  auto couple = [&](int64_t p, int64_t q, double a) {  // the face between cells p and q
    entries.emplace_back(p, p, a);
    entries.emplace_back(q, q, a);
    entries.emplace_back(p, q, -a);
    entries.emplace_back(q, p, -a);
  };
  for (int64_t i = 0; i < nx; ++i) {
    for (int64_t j = 0; j < ny; ++j) {
      const int64_t c = g.at(i, j);
      if (!g.on(i, j)) continue;
      if (i + 1 < nx && g.on(i + 1, j)) {
        const int64_t e = g.at(i + 1, j);
        const double flux = 0.5 * (fx[c] + fx[e]) / g.hx;
        div[c] += flux;
        div[e] -= flux;
        couple(c, e, ax);
      }
      if (j + 1 < ny && g.on(i, j + 1)) {
        const int64_t e = g.at(i, j + 1);
        const double flux = 0.5 * (fy[c] + fy[e]) / g.hy;
        div[c] += flux;
        div[e] -= flux;
        couple(c, e, ay);
      }
    }
  }
  // A tiny multiple of the identity makes the (per connected region
  // singular) Neumann problem definite; each region's right-hand side sums to
  // zero, so it only fixes phi's constant there.
  const double shift = 1e-9 * (ax + ay);
  for (int64_t c = 0; c < cells; ++c) entries.emplace_back(c, c, shift);
  Eigen::SparseMatrix<double> A(cells, cells);
  A.setFromTriplets(entries.begin(), entries.end());
  Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>> solver(A);
  if (solver.info() != Eigen::Success) throw Error("Helmholtz split: the Poisson matrix did not factorise");
  const Eigen::VectorXd solved = solver.solve(div);
  std::vector<double> phi(solved.data(), solved.data() + cells);

  // Cell gradients of phi from the face gradients; at boundary faces the
  // gradient that makes r . n = 0 there.
  std::vector<double> rx(static_cast<size_t>(cells)), ry(static_cast<size_t>(cells));
  for (int64_t i = 0; i < nx; ++i) {
    for (int64_t j = 0; j < ny; ++j) {
      const int64_t c = g.at(i, j);
      const double left = i > 0 && g.on(i - 1, j) ? (phi[c] - phi[g.at(i - 1, j)]) / g.hx : -fx[c];
      const double right = i + 1 < nx && g.on(i + 1, j) ? (phi[g.at(i + 1, j)] - phi[c]) / g.hx : -fx[c];
      const double down = j > 0 && g.on(i, j - 1) ? (phi[c] - phi[g.at(i, j - 1)]) / g.hy : -fy[c];
      const double up = j + 1 < ny && g.on(i, j + 1) ? (phi[g.at(i, j + 1)] - phi[c]) / g.hy : -fy[c];
      rx[c] = fx[c] + 0.5 * (left + right);
      ry[c] = fy[c] + 0.5 * (down + up);
    }
  }

  // 2. The harmonic part (on a data-shaped support (support_only) the
  // harmonic polynomials are nearly dependent and the fit amplifies
  // cell-scale noise: r stays the Neumann projection there).
  if (!support_only) remove_harmonic_part(g, x, y, w, wsum, rx, ry, phi);
  double mx = 0, my = 0;
  for (int64_t c = 0; c < cells; ++c) {
    mx += w[c] * rx[c];
    my += w[c] * ry[c];
  }
  mx /= wsum;
  my /= wsum;

  HelmholtzSplit out;
  out.curl_free = Array::zeros({nx, ny, 2});
  out.div_free = Array::zeros({nx, ny, 2});
  out.potential = Array::zeros({nx, ny});
  double rotational = 0, total = 0, lowest = INFINITY;
  for (int64_t i = 0; i < nx; ++i) {
    for (int64_t j = 0; j < ny; ++j) {
      const int64_t c = g.at(i, j);
      rx[c] -= mx;
      ry[c] -= my;
      // -grad(phi - m . x) = f - r
      phi[c] -= mx * x[i] + my * y[j];
      if (!g.on(i, j)) {  // off the support: all of f counted curl-free, phi undefined
        rx[c] = ry[c] = 0;
        phi[c] = NAN;
      }
      out.div_free.data[2 * c] = rx[c];
      out.div_free.data[2 * c + 1] = ry[c];
      out.curl_free.data[2 * c] = fx[c] - rx[c];
      out.curl_free.data[2 * c + 1] = fy[c] - ry[c];
      rotational += w[c] * (rx[c] * rx[c] + ry[c] * ry[c]);
      total += w[c] * (fx[c] * fx[c] + fy[c] * fy[c]);
      if (g.on(i, j)) lowest = std::min(lowest, phi[c]);
    }
  }
  for (int64_t c = 0; c < cells; ++c) out.potential.data[c] = phi[c] - lowest;
  out.rotational_fraction = total > 0 ? rotational / total : 0.0;
  return out;
}

double system_rotational_fraction(const Potential& potential, double omega, const std::vector<double>& centre,
                                  const std::vector<Array>& frames, int64_t bins) {
  if (potential.dim() != 2 || centre.size() != 2) {
    throw DataError("rotational fraction of a system: the system must be 2-D, got " + std::to_string(potential.dim()) +
                    "-D");
  }
  const Array all = Array::concat_frames(frames);
  if (all.rank() != 2 || all.frame_size() != 2) {
    throw DataError("rotational fraction of a system: expected (T, 2) frames, got " + all.shape_string());
  }
  LandscapeOptions o;
  o.bins = bins;
  const Landscape l = compute_landscape(all, o);
  Array field = Array::zeros({bins, bins, 2});
  double g[2];
  for (int64_t i = 0; i < bins; ++i) {
    for (int64_t j = 0; j < bins; ++j) {
      const double x[2] = {l.axes[0][i], l.axes[1][j]};
      potential.gradient(x, g);
      field.data[2 * (i * bins + j)] = -g[0] - omega * (x[1] - centre[1]);
      field.data[2 * (i * bins + j) + 1] = -g[1] + omega * (x[0] - centre[0]);
    }
  }
  return helmholtz_split(l.axes[0], l.axes[1], field, l.counts).rotational_fraction;
}

}  // namespace dynae
