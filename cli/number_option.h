#pragma once
// Numeric command-line options, declared with their limits: a value outside
// them, a NaN or Inf, or a fraction for an integer is refused while the
// command line is read, before any work, with a message naming the option,
// the value and what was expected ("--grid = 0 is invalid: expected an
// integer from 4 to 4096"). No value falls back to a default silently.
#include <CLI/CLI.hpp>
#include <limits>
#include <string>
#include <type_traits>

namespace dynae::cli {

/// The accepted values of one numeric option.
struct NumberLimits {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool integer = false;
  std::string expected;  ///< what a valid value is; empty: said from min, max and integer
};

/// The validator of `limits`, for an option named `name`.
CLI::Validator number_validator(const NumberLimits& limits);

/// Adds `--flag` bound to `value` (an integer, a float, or a vector of them,
/// each item checked) with the limits [min, max].
template <class T>
CLI::Option* add_number(CLI::App* cmd, const std::string& flags, T& value, const std::string& help, double min,
                        double max, const std::string& expected = "") {
  bool integer = false;
  if constexpr (std::is_arithmetic_v<T>) {
    integer = std::is_integral_v<T>;
  } else {
    integer = std::is_integral_v<typename T::value_type>;
  }
  NumberLimits l{min, max, integer, expected};
  return cmd->add_option(flags, value, help)->check(number_validator(l));
}

/// Limits that recur: counts (frames, steps, epochs) beyond 10^9 (steps of
/// an integrator: 10^11) are no real request and overflow the sizes and times
/// computed from them; `kPositive` is the least number > 0; `kHuge` bounds a
/// finite value; seeds take any unsigned 64-bit integer.
constexpr double kMaxCount = 1e9;
constexpr double kMaxSteps = 1e11;
constexpr double kPositive = std::numeric_limits<double>::denorm_min();
constexpr double kHuge = std::numeric_limits<double>::max();
constexpr double kMaxSeed = 18446744073709551615.0;

}  // namespace dynae::cli
