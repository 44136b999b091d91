#pragma once
// Potential energy surfaces V(x) for overdamped Langevin simulation.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dynae {

/// A potential V: R^dim -> R with its gradient. Implementations are not
/// required to be thread-safe; clone() gives an independent copy per thread.
class Potential {
 public:
  virtual ~Potential() = default;
  virtual int64_t dim() const = 0;
  virtual double energy(const double* x) const = 0;
  /// grad[i] = dV/dx_i at x.
  virtual void gradient(const double* x, double* grad) const = 0;
  virtual std::unique_ptr<Potential> clone() const = 0;
  /// The formula, for logs and --list.
  virtual std::string formula() const = 0;

  double energy(const std::vector<double>& x) const { return energy(x.data()); }
  std::vector<double> gradient(const std::vector<double>& x) const;
};

/// V(x) = 0.5 sum_i k_i x_i^2. `k` has one entry (used for every axis) or dim.
std::unique_ptr<Potential> make_harmonic(int64_t dim, std::vector<double> k);

/// V(x) given as an expression string in the variables x, y, z (muParser
/// syntax: + - * / ^, sin, cos, exp, log, sqrt, abs, ...). `dim` = number of
/// variables (0: inferred from the highest variable used: x -> 1, y -> 2,
/// z -> 3). The gradient is taken by central differences with step
/// h_i = 6e-6 * max(1, |x_i|) (muParser has no symbolic derivatives), so it is
/// accurate to about 1e-9 relative for smooth potentials.
/// Throws ConfigError with the position of a parse error, an unknown variable
/// or function, or a dimension that does not fit.
std::unique_ptr<Potential> make_expression_potential(const std::string& expression, int64_t dim = 0);

}  // namespace dynae
