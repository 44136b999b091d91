#include "dynae/option_spec.h"

#include <cctype>
#include <cstdio>
#include <sstream>

#include "dynae/errors.h"

namespace dynae {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

/// "a|b|c" style list -> "a, b or c".
std::string spoken_list(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? " or " : ", ";
    out += items[i];
  }
  return out;
}

}  // namespace

std::string option_number_text(double v) {
  char buf[64];
  for (int digits = 6; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    if (std::stod(buf) == v) break;
  }
  return buf;
}

std::string option_bool_text(bool v) { return v ? "True" : "False"; }

bool parse_option_bool(const std::string& v, bool* out) {
  const std::string l = lower(v);
  if (l == "true" || l == "1" || l == "yes" || l == "on") return *out = true, true;
  if (l == "false" || l == "0" || l == "no" || l == "off") return *out = false, true;
  return false;
}

bool parse_option_int(const std::string& v, int64_t* out) {
  if (v.empty()) return false;
  size_t pos = 0;
  try {
    const long long x = std::stoll(v, &pos);
    if (pos == v.size()) return *out = x, true;
    // Integral floats such as "2.0" or "1e3" are integers too.
    const double d = std::stod(v, &pos);
    if (pos == v.size() && std::floor(d) == d && std::fabs(d) < 9e15) return *out = static_cast<int64_t>(d), true;
  } catch (const std::exception&) {
  }
  return false;
}

bool parse_option_float(const std::string& v, double* out) {
  if (v.empty()) return false;
  size_t pos = 0;
  try {
    const double d = std::stod(v, &pos);
    if (pos == v.size() && std::isfinite(d)) return *out = d, true;
  } catch (const std::exception&) {
  }
  return false;
}

std::vector<std::string> split_list(const std::string& text) {
  std::string t = trim(text);
  if (!t.empty() && t.front() == '[') {
    if (t.back() != ']') throw ConfigError("unbalanced brackets in list '" + text + "'");
    t = t.substr(1, t.size() - 2);
  } else if (!t.empty() && t.back() == ']') {
    throw ConfigError("unbalanced brackets in list '" + text + "'");
  }
  std::vector<std::string> out;
  if (trim(t).empty()) return out;
  std::stringstream ss(t);
  std::string item;
  while (std::getline(ss, item, ',')) {
    item = trim(item);
    if (item.size() >= 2 && (item.front() == '\'' || item.front() == '"') && item.back() == item.front()) {
      item = item.substr(1, item.size() - 2);
    }
    if (item.empty()) throw ConfigError("empty item in list '" + text + "'");
    out.push_back(item);
  }
  return out;
}

OptionDecl& OptionDecl::at_least(double lo, bool open) {
  info_.min = lo;
  info_.min_open = open;
  return *this;
}

OptionDecl& OptionDecl::at_most(double hi, bool open) {
  info_.max = hi;
  info_.max_open = open;
  return *this;
}

bool OptionInfo::answers_to(const std::string& k) const {
  const std::string l = lower(trim(k));
  if (lower(key) == l) return true;
  for (const std::string& a : aliases) {
    if (lower(a) == l) return true;
  }
  return false;
}

std::string OptionInfo::choice_list() const {
  std::vector<std::string> items;
  for (const OptionChoice& c : choices()) {
    items.push_back(c.written);
    if (lower(c.value) != lower(c.written)) items.push_back(c.value);
  }
  return spoken_list(items);
}

std::string OptionInfo::parse(const std::string& v, const std::string& origin) const {
  const std::string where = origin + ": " + key + " = '" + v + "' ";
  int64_t i = 0;
  double f = 0;
  bool b = false;
  switch (type) {
    case OptionType::Int:
      if (!parse_option_int(v, &i)) throw ConfigError(where + "is not an integer");
      return std::to_string(i);
    case OptionType::UInt:
      if (!parse_option_int(v, &i) || i < 0) throw ConfigError(where + "is not a non-negative integer");
      return std::to_string(i);
    case OptionType::Float:
      if (!parse_option_float(v, &f)) throw ConfigError(where + "is not a finite number");
      return option_number_text(f);
    case OptionType::Bool:
      if (!parse_option_bool(v, &b)) throw ConfigError(where + "is not a boolean (expected True or False)");
      return option_bool_text(b);
    case OptionType::Text: {
      if (!choices) return v;
      const std::string l = lower(trim(v));
      for (const OptionChoice& c : choices()) {
        if (lower(c.value) == l || lower(c.written) == l) return c.value;
        for (const std::string& s : c.spellings) {
          if (lower(s) == l) return c.value;
        }
      }
      throw ConfigError(where + "is not supported; expected " + choice_list());
    }
    case OptionType::Paths:
      if (v.empty()) throw ConfigError(where + "is an empty path");
      return v;
    case OptionType::Names:
      if (v.empty()) throw ConfigError(where + "is an empty name");
      return v;
  }
  return v;
}

void OptionInfo::check_range(double value, const std::string& shown) const {
  const bool ok =
      std::isfinite(value) && (min_open ? value > min : value >= min) && (max_open ? value < max : value <= max);
  if (ok) return;
  throw ConfigError("option " + key + (name != key ? " (" + name + ")" : "") + " = " + shown +
                    " is invalid: expected " + expected_range());
}

std::string OptionInfo::python_keyword() const {
  if (flag.empty()) return name;
  std::string k = flag;
  std::replace(k.begin(), k.end(), '-', '_');
  return k;
}

std::string OptionInfo::expected_range() const {
  if (!expected.empty()) return expected;
  std::ostringstream os;
  os << (type == OptionType::Float ? "a number" : "an integer");
  if (std::isfinite(min)) os << (min_open ? " > " : " >= ") << option_number_text(min);
  if (std::isfinite(max))
    os << (std::isfinite(min) ? " and" : "") << (max_open ? " < " : " <= ") << option_number_text(max);
  return os.str();
}

void OptionInfo::check_choice(const std::string& value) const {
  if (!choices) return;
  for (const OptionChoice& c : choices()) {
    if (c.value == value) return;
  }
  throw ConfigError("option " + key + " = " + value + " is invalid: expected " + choice_list());
}

std::string OptionInfo::ini_text(const std::string& canonical) const {
  if (type == OptionType::Text && choices) {
    for (const OptionChoice& c : choices()) {
      if (c.value == canonical) return c.written;
    }
  }
  return canonical;
}

namespace option_detail {

std::string text_of(int64_t v) { return std::to_string(v); }
std::string text_of(uint64_t v) { return std::to_string(v); }
std::string text_of(double v) { return option_number_text(v); }
std::string text_of(bool v) { return option_bool_text(v); }
std::string text_of(const std::string& v) { return v; }
std::string text_of(const std::vector<std::string>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s + "]";
}

void read_into(int64_t& m, const std::string& t) {
  if (!parse_option_int(t, &m)) throw ConfigError("'" + t + "' is not an integer");
}
void read_into(uint64_t& m, const std::string& t) {
  int64_t i = 0;
  if (!parse_option_int(t, &i)) throw ConfigError("'" + t + "' is not an integer");
  m = static_cast<uint64_t>(i);
}
void read_into(double& m, const std::string& t) {
  if (!parse_option_float(t, &m)) throw ConfigError("'" + t + "' is not a finite number");
}
void read_into(bool& m, const std::string& t) {
  if (!parse_option_bool(t, &m)) throw ConfigError("'" + t + "' is not a boolean");
}
void read_into(std::string& m, const std::string& t) { m = t; }
void read_into(std::vector<std::string>& m, const std::string& t) { m = split_list(t); }

}  // namespace option_detail
}  // namespace dynae
