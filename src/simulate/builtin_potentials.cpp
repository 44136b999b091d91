#include "simulate/builtin_potentials.h"

#include <cmath>
#include <sstream>

#include "dynae/errors.h"

namespace dynae {
namespace {

std::string num(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

}  // namespace

std::vector<double> Potential::gradient(const std::vector<double>& x) const {
  std::vector<double> g(x.size());
  gradient(x.data(), g.data());
  return g;
}

std::unique_ptr<Potential> make_harmonic(int64_t dim, std::vector<double> k) {
  if (dim < 1) throw ConfigError("harmonic: dim = " + std::to_string(dim) + " is invalid: expected an integer >= 1");
  if (k.size() == 1) k.assign(static_cast<size_t>(dim), k[0]);
  if (static_cast<int64_t>(k.size()) != dim) {
    throw ConfigError("harmonic: " + std::to_string(k.size()) + " spring constants given for dim = " +
                      std::to_string(dim) + "; expected 1 or " + std::to_string(dim));
  }
  for (double ki : k) {
    if (!(ki > 0) || !std::isfinite(ki)) {
      throw ConfigError("harmonic: spring constant k = " + std::to_string(ki) +
                        " is invalid: expected a positive number");
    }
  }
  std::ostringstream f;
  f << "0.5 * sum_i k_i x_i^2, k = (";
  for (size_t i = 0; i < k.size(); ++i) f << (i ? ", " : "") << k[i];
  f << ")";
  return std::make_unique<FunctionPotential>(
      dim, f.str(),
      [k](const double* x) {
        double v = 0;
        for (size_t i = 0; i < k.size(); ++i) v += 0.5 * k[i] * x[i] * x[i];
        return v;
      },
      [k](const double* x, double* g) {
        for (size_t i = 0; i < k.size(); ++i) g[i] = k[i] * x[i];
      });
}

MuellerBrownCoefficients mueller_brown_standard() {
  return {{-200, -100, -170, 15}, {-1, -1, -6.5, 0.7}, {0, 0, 11, 0.6},
          {-10, -10, -6.5, 0.7},  {1, 0, -0.5, -1},    {0, 0.5, 1.5, 1}};
}

MuellerBrownCoefficients mueller_brown_three_state() {
  MuellerBrownCoefficients k = mueller_brown_standard();
  k.A[0] = -280;
  k.A[1] = -170;
  k.A[2] = -170;
  k.a[0] = -15;
  k.x0[1] = 0.2;
  return k;
}

std::unique_ptr<Potential> make_mueller_brown(const MuellerBrownCoefficients& k, double scale) {
  if (!(scale > 0) || !std::isfinite(scale)) {
    throw ConfigError("mueller_brown: scale = " + std::to_string(scale) + " is invalid: expected a positive number");
  }
  std::ostringstream f;
  f << scale << " * sum_i A_i exp[a_i (x-x0_i)^2 + b_i (x-x0_i)(y-y0_i) + c_i (y-y0_i)^2], A = (";
  for (int i = 0; i < 4; ++i) f << (i ? ", " : "") << k.A[i];
  f << ")";
  return std::make_unique<FunctionPotential>(
      2, f.str(),
      [k, scale](const double* p) {
        double v = 0;
        for (int i = 0; i < 4; ++i) {
          const double dx = p[0] - k.x0[i], dy = p[1] - k.y0[i];
          v += k.A[i] * std::exp(k.a[i] * dx * dx + k.b[i] * dx * dy + k.c[i] * dy * dy);
        }
        return scale * v;
      },
      [k, scale](const double* p, double* g) {
        g[0] = g[1] = 0;
        for (int i = 0; i < 4; ++i) {
          const double dx = p[0] - k.x0[i], dy = p[1] - k.y0[i];
          const double e = k.A[i] * std::exp(k.a[i] * dx * dx + k.b[i] * dx * dy + k.c[i] * dy * dy);
          g[0] += e * (2 * k.a[i] * dx + k.b[i] * dy);
          g[1] += e * (k.b[i] * dx + 2 * k.c[i] * dy);
        }
        g[0] *= scale;
        g[1] *= scale;
      });
}

std::unique_ptr<Potential> make_double_well_1d(double h) {
  return std::make_unique<FunctionPotential>(
      1, "h (x^2 - 1)^2, h = " + num(h), [h](const double* x) { return h * (x[0] * x[0] - 1) * (x[0] * x[0] - 1); },
      [h](const double* x, double* g) { g[0] = 4 * h * x[0] * (x[0] * x[0] - 1); });
}

std::unique_ptr<Potential> make_double_well_2d(double h) {
  return std::make_unique<FunctionPotential>(
      2, "h (x^2 - 1)^2 + y^2, h = " + num(h),
      [h](const double* p) { return h * (p[0] * p[0] - 1) * (p[0] * p[0] - 1) + p[1] * p[1]; },
      [h](const double* p, double* g) {
        g[0] = 4 * h * p[0] * (p[0] * p[0] - 1);
        g[1] = 2 * p[1];
      });
}

std::unique_ptr<Potential> make_triple_well_2d() {
  return std::make_unique<FunctionPotential>(
      2,
      "3 e^(-x^2-(y-1/3)^2) - 3 e^(-x^2-(y-5/3)^2) - 5 e^(-(x-1)^2-y^2) - 5 e^(-(x+1)^2-y^2) + 0.2 x^4 + 0.2 (y-1/3)^4",
      [](const double* p) {
        const double x = p[0], y = p[1];
        const double y1 = y - 1.0 / 3, y2 = y - 5.0 / 3;
        return 3 * std::exp(-x * x - y1 * y1) - 3 * std::exp(-x * x - y2 * y2) -
               5 * std::exp(-(x - 1) * (x - 1) - y * y) - 5 * std::exp(-(x + 1) * (x + 1) - y * y) +
               0.2 * x * x * x * x + 0.2 * y1 * y1 * y1 * y1;
      },
      [](const double* p, double* g) {
        const double x = p[0], y = p[1];
        const double y1 = y - 1.0 / 3, y2 = y - 5.0 / 3;
        const double e1 = 3 * std::exp(-x * x - y1 * y1), e2 = -3 * std::exp(-x * x - y2 * y2);
        const double e3 = -5 * std::exp(-(x - 1) * (x - 1) - y * y), e4 = -5 * std::exp(-(x + 1) * (x + 1) - y * y);
        g[0] = -2 * x * (e1 + e2) - 2 * (x - 1) * e3 - 2 * (x + 1) * e4 + 0.8 * x * x * x;
        g[1] = -2 * y1 * e1 - 2 * y2 * e2 - 2 * y * (e3 + e4) + 0.8 * y1 * y1 * y1;
      });
}

std::unique_ptr<Potential> make_quadruple_well(double h) {
  return std::make_unique<FunctionPotential>(
      2, "h [(x^2 - 1)^2 + (y^2 - 1)^2], h = " + num(h),
      [h](const double* p) {
        return h * ((p[0] * p[0] - 1) * (p[0] * p[0] - 1) + (p[1] * p[1] - 1) * (p[1] * p[1] - 1));
      },
      [h](const double* p, double* g) {
        g[0] = 4 * h * p[0] * (p[0] * p[0] - 1);
        g[1] = 4 * h * p[1] * (p[1] * p[1] - 1);
      });
}

std::unique_ptr<Potential> make_asymmetric_quadruple_well() {
  return std::make_unique<FunctionPotential>(
      2, "x^4 - x^3/16 - 2x^2 + 3x/16 + y^4 - y^3/8 - 2y^2 + 3y/8",
      [](const double* p) {
        const double x = p[0], y = p[1];
        return x * x * x * x - x * x * x / 16 - 2 * x * x + 3 * x / 16 + y * y * y * y - y * y * y / 8 - 2 * y * y +
               3 * y / 8;
      },
      [](const double* p, double* g) {
        const double x = p[0], y = p[1];
        g[0] = 4 * x * x * x - 3 * x * x / 16 - 4 * x + 3.0 / 16;
        g[1] = 4 * y * y * y - 3 * y * y / 8 - 4 * y + 3.0 / 8;
      });
}

std::unique_ptr<Potential> make_prinz() {
  return std::make_unique<FunctionPotential>(
      1, "4 (x^8 + 0.8 e^(-80 x^2) + 0.2 e^(-80 (x-0.5)^2) + 0.5 e^(-40 (x+0.5)^2))",
      [](const double* p) {
        const double x = p[0], x2 = x * x, x4 = x2 * x2;
        return 4 * (x4 * x4 + 0.8 * std::exp(-80 * x2) + 0.2 * std::exp(-80 * (x - 0.5) * (x - 0.5)) +
                    0.5 * std::exp(-40 * (x + 0.5) * (x + 0.5)));
      },
      [](const double* p, double* g) {
        const double x = p[0], x2 = x * x;
        g[0] = 4 * (8 * x2 * x2 * x2 * x - 128 * x * std::exp(-80 * x2) -
                    32 * (x - 0.5) * std::exp(-80 * (x - 0.5) * (x - 0.5)) -
                    40 * (x + 0.5) * std::exp(-40 * (x + 0.5) * (x + 0.5)));
      });
}

}  // namespace dynae
