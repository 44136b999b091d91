#include "number_option.h"

#include <cmath>
#include <cstdlib>
#include <sstream>

namespace dynae::cli {
namespace {

std::string number_text(double v) {
  std::ostringstream os;
  os.precision(15);
  os << v;
  return os.str();
}

std::string said(const NumberLimits& l) {
  if (!l.expected.empty()) return l.expected;
  const std::string kind = l.integer ? "an integer" : "a number";
  // Bounds that only keep a value finite (or a seed within 64 bits) are not said.
  const bool lo = l.min > -1e18, hi = l.max < 1e18;
  const std::string from = l.min > 0 && l.min < 1e-300 ? " > 0" : " >= " + number_text(l.min);
  if (lo && hi) return kind + " from " + number_text(l.min) + " to " + number_text(l.max);
  if (lo) return kind + from;
  if (hi) return kind + " <= " + number_text(l.max);
  return l.integer ? "an integer" : "a finite number";
}

}  // namespace

CLI::Validator number_validator(const NumberLimits& l) {
  return CLI::Validator(
      [l](std::string& text) -> std::string {
        const char* begin = text.c_str();
        char* end = nullptr;
        const double v = std::strtod(begin, &end);
        const bool parsed = end != begin && *end == '\0';
        if (!parsed || !std::isfinite(v)) return "'" + text + "' is invalid: expected " + said(l);
        if (l.integer && v != std::floor(v)) return "'" + text + "' is invalid: expected " + said(l);
        if (v < l.min || v > l.max) return "'" + text + "' is invalid: expected " + said(l);
        // "1e3" for an integer option: the integer's own text, so that it reads as written
        if (l.integer && text.find_first_of(".eE") != std::string::npos && std::fabs(v) < 9e18) {
          text = std::to_string(static_cast<long long>(v));
        }
        return std::string();
      },
      said(l));
}

}  // namespace dynae::cli
