// A potential typed by the user as a formula, evaluated with muParser.
#include <muParser.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

#include "dynae/errors.h"
#include "dynae/simulate/potential.h"

namespace dynae {
namespace {

const char* const kVariables[] = {"x", "y", "z"};

std::string parse_error_message(const std::string& expression, const mu::Parser::exception_type& e) {
  std::string msg = "potential expression '" + expression + "': " + e.GetMsg();
  const int pos = e.GetPos();
  if (pos >= 0 && pos <= static_cast<int>(expression.size())) {
    msg += "\n    " + expression + "\n    " + std::string(static_cast<size_t>(pos), ' ') + "^";
  }
  return msg;
}

std::string unknown_variable_message(const std::string& expression, const std::string& name) {
  std::string msg = "potential expression '" + expression + "': unknown variable '" + name + "'; expected x, y, z";
  // The first occurrence of the name as a whole word.
  for (size_t pos = expression.find(name); pos != std::string::npos; pos = expression.find(name, pos + 1)) {
    auto word = [&](size_t i) {
      return i < expression.size() && (std::isalnum(static_cast<unsigned char>(expression[i])) || expression[i] == '_');
    };
    if ((pos == 0 || !word(pos - 1)) && !word(pos + name.size())) {
      msg += " (at position " + std::to_string(pos) + ")\n    " + expression + "\n    " + std::string(pos, ' ') + "^";
      break;
    }
  }
  return msg;
}

class ExpressionPotential : public Potential {
 public:
  ExpressionPotential(const std::string& expression, int64_t dim) : expression_(expression) {
    if (expression.find_first_not_of(" \t") == std::string::npos) {
      throw ConfigError("potential expression is empty; expected a formula in x, y, z such as '(x^2-1)^2 + y^2'");
    }
    for (int i = 0; i < 3; ++i) parser_.DefineVar(kVariables[i], &x_[i]);
    int64_t used = 0;
    try {
      parser_.SetExpr(expression);
      for (const auto& v : parser_.GetUsedVar()) {
        bool known = false;
        for (int i = 0; i < 3; ++i) {
          if (v.first == kVariables[i]) used = std::max<int64_t>(used, i + 1), known = true;
        }
        if (!known) throw ConfigError(unknown_variable_message(expression, v.first));
      }
      parser_.Eval();  // muParser finishes parsing (argument counts, ...) on the first evaluation
    } catch (const mu::Parser::exception_type& e) {
      throw ConfigError(parse_error_message(expression, e));
    }
    if (dim == 0) dim = std::max<int64_t>(used, 1);
    if (dim < used || dim > 3) {
      throw ConfigError("potential expression '" + expression + "' uses " + std::to_string(used) +
                        " variable(s) of x, y, z but dim = " + std::to_string(dim) + "; expected dim between " +
                        std::to_string(std::max<int64_t>(used, 1)) + " and 3");
    }
    dim_ = dim;
  }

  int64_t dim() const override { return dim_; }

  double energy(const double* x) const override {
    for (int64_t i = 0; i < dim_; ++i) x_[i] = x[i];
    return parser_.Eval();
  }

  void gradient(const double* x, double* g) const override {
    for (int64_t i = 0; i < dim_; ++i) x_[i] = x[i];
    for (int64_t i = 0; i < dim_; ++i) {
      const double h = 6e-6 * std::max(1.0, std::abs(x[i]));
      x_[i] = x[i] + h;
      const double up = parser_.Eval();
      x_[i] = x[i] - h;
      const double down = parser_.Eval();
      x_[i] = x[i];
      g[i] = (up - down) / (2 * h);
    }
  }

  std::unique_ptr<Potential> clone() const override { return std::make_unique<ExpressionPotential>(expression_, dim_); }

  std::string formula() const override { return expression_; }

 private:
  std::string expression_;
  int64_t dim_ = 1;
  mutable std::array<double, 3> x_{0, 0, 0};
  mutable mu::Parser parser_;
};

}  // namespace

std::unique_ptr<Potential> make_expression_potential(const std::string& expression, int64_t dim) {
  return std::make_unique<ExpressionPotential>(expression, dim);
}

}  // namespace dynae
