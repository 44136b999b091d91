#pragma once
// Closed-form potentials of SYSTEMS.md, with analytic gradients.
#include <functional>
#include <memory>
#include <string>

#include "dynae/simulate/potential.h"

namespace dynae {

/// A potential given by two closures (energy, gradient) of fixed dimension.
class FunctionPotential : public Potential {
 public:
  using EnergyFn = std::function<double(const double*)>;
  using GradientFn = std::function<void(const double*, double*)>;
  FunctionPotential(int64_t dim, std::string formula, EnergyFn energy, GradientFn gradient)
      : dim_(dim), formula_(std::move(formula)), energy_(std::move(energy)), gradient_(std::move(gradient)) {}
  int64_t dim() const override { return dim_; }
  double energy(const double* x) const override { return energy_(x); }
  void gradient(const double* x, double* g) const override { gradient_(x, g); }
  std::unique_ptr<Potential> clone() const override { return std::make_unique<FunctionPotential>(*this); }
  std::string formula() const override { return formula_; }

 private:
  int64_t dim_;
  std::string formula_;
  EnergyFn energy_;
  GradientFn gradient_;
};

/// Mueller-Brown with coefficients A, a, b, c, x0, y0 (4 terms each), times `scale`.
struct MuellerBrownCoefficients {
  double A[4], a[4], b[4], c[4], x0[4], y0[4];
};
MuellerBrownCoefficients mueller_brown_standard();
MuellerBrownCoefficients mueller_brown_three_state();
std::unique_ptr<Potential> make_mueller_brown(const MuellerBrownCoefficients& k, double scale);

std::unique_ptr<Potential> make_double_well_1d(double barrier);
std::unique_ptr<Potential> make_double_well_2d(double barrier);
std::unique_ptr<Potential> make_triple_well_2d();
std::unique_ptr<Potential> make_quadruple_well(double barrier);
std::unique_ptr<Potential> make_asymmetric_quadruple_well();
std::unique_ptr<Potential> make_prinz();

}  // namespace dynae
