#include "dynae/data/frame_weights.h"

#include <strings.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "dynae/data/npy.h"
#include "dynae/data/table.h"
#include "dynae/errors.h"

namespace dynae {
namespace {

std::string trimmed(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

bool parse_number(const std::string& s, double* v) {
  if (s.empty()) return false;
  errno = 0;
  char* end = nullptr;
  *v = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && errno != ERANGE;
}

/// The first line that is neither blank nor a comment, or "".
std::string first_data_line(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw DataError("'" + path + "': cannot open (" + std::strerror(errno) + ")");
  std::string line;
  while (std::getline(f, line)) {
    const std::string t = trimmed(line);
    if (!t.empty() && t[0] != '#') return t;
  }
  return "";
}

/// A text file of one number per line (comments and blank lines allowed).
std::vector<double> read_number_column(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw DataError("'" + path + "': cannot open (" + std::strerror(errno) + ")");
  std::vector<double> out;
  std::string line;
  int64_t n = 0;
  while (std::getline(f, line)) {
    ++n;
    const std::string t = trimmed(line);
    if (t.empty() || t[0] == '#') continue;
    double v;
    if (!parse_number(t, &v)) {
      throw DataError("'" + path + "', line " + std::to_string(n) + ": '" + t +
                      "' is not one number (a weights file without a header holds one number per line)");
    }
    out.push_back(v);
  }
  return out;
}

}  // namespace

WeightKind parse_weight_kind(const std::string& text) {
  const std::string t = trimmed(text);
  for (WeightKind k : {WeightKind::Weights, WeightKind::LogWeights, WeightKind::Bias}) {
    if (::strcasecmp(t.c_str(), weight_kind_name(k)) == 0) return k;
  }
  throw ConfigError("weights kind '" + text + "' is not one of weights, logweights or bias");
}

const char* weight_kind_name(WeightKind kind) {
  switch (kind) {
    case WeightKind::Weights: return "weights";
    case WeightKind::LogWeights: return "logweights";
    case WeightKind::Bias: return "bias";
  }
  return "?";
}

void WeightSpec::validate(size_t inputs) const {
  if (!files.empty() && files.size() != inputs) {
    throw ConfigError("weights (--weights) lists " + std::to_string(files.size()) + " file(s) but there are " +
                      std::to_string(inputs) + " input(s); give one weights file per input");
  }
  if (!given()) {
    if (kind != WeightKind::Weights || kT != 0) {
      throw ConfigError(
          "a weights kind or kT was given without weights: add --weights FILE or --weights-column NAME");
    }
    return;
  }
  if (kind == WeightKind::Bias) {
    if (!(kT > 0) || !std::isfinite(kT)) {
      throw ConfigError("weights kind 'bias' needs kT > 0 in the bias' energy units (--kT; e.g. 2.494 kJ/mol at 300 K)");
    }
  } else if (kT != 0) {
    throw ConfigError(std::string("kT applies to weights kind 'bias' only; the weights kind is '") +
                      weight_kind_name(kind) + "'");
  }
}

std::vector<double> read_weight_file(const std::string& path, const std::string& column) {
  const FileFormat format = detect_format(path);
  if (format == FileFormat::Npy) {
    if (!column.empty()) {
      throw DataError("'" + path + "' is a .npy array: it has no column '" + column +
                      "' (a weights column names a column of a COLVAR or CSV file)");
    }
    const Array a = read_npy(path);
    if (a.rank() == 0 || a.rank() > 2 || (a.rank() == 2 && a.shape[1] != 1)) {
      throw DataError("'" + path + "': weights must be a (T,) or (T, 1) array, got shape " + a.shape_string());
    }
    return a.data.to_vector();
  }
  double v;
  if (format == FileFormat::Table && column.empty()) {
    const std::string first = first_data_line(path);
    if (parse_number(first, &v)) return read_number_column(path);
  }
  // A COLVAR or table: the named column, or the only one that is not the time.
  ColumnSelection pick;
  if (!column.empty()) {
    pick.features = {column};
  } else {
    pick.features = {"*"};
  }
  const ColumnData d = read_columns(path, pick);
  size_t index = 0;  // of the weights among the selected columns
  if (column.empty()) {
    const std::string time = format == FileFormat::Colvar ? d.columns.front() : "time";
    std::vector<size_t> rest;
    for (size_t k = 0; k < d.names.size(); ++k) {
      if (d.names[k] != time) rest.push_back(k);
    }
    if (rest.size() != 1) {
      std::string all;
      for (const auto& n : d.names) all += (all.empty() ? "" : ", ") + n;
      throw DataError("'" + path + "' has " + (rest.empty() ? "no column besides the time" : "several columns") +
                      " (" + all + "): name the one that holds the weights with --weights-column");
    }
    index = rest[0];
  }
  std::vector<double> out;
  const size_t width = d.names.size();
  for (const Array& s : d.segments) {
    for (size_t r = 0; r < s.data.size() / width; ++r) out.push_back(s.data[r * width + index]);
  }
  return out;
}

std::vector<double> normalised_weights(const std::vector<std::vector<double>>& raw,
                                       const std::vector<std::string>& names, WeightKind kind, double kT) {
  double largest = -INFINITY;
  size_t frames = 0;
  for (size_t i = 0; i < raw.size(); ++i) {
    for (size_t t = 0; t < raw[i].size(); ++t) {
      const double v = raw[i][t];
      if (!std::isfinite(v) || (kind == WeightKind::Weights && v < 0)) {
        std::ostringstream os;
        os << "'" << names[i] << "': the " << weight_kind_name(kind) << " value of frame " << t << " is " << v
           << (kind == WeightKind::Weights ? "; weights must be finite and >= 0" : "; it must be finite");
        throw DataError(os.str());
      }
      largest = std::max(largest, v);
    }
    frames += raw[i].size();
  }
  if (frames == 0) throw DataError("no weights were read");
  std::vector<double> w;
  w.reserve(frames);
  double sum = 0;
  for (const auto& r : raw) {
    for (double v : r) {
      const double x = kind == WeightKind::Weights      ? v
                       : kind == WeightKind::LogWeights ? std::exp(v - largest)
                                                        : std::exp((v - largest) / kT);
      w.push_back(x);
      sum += x;
    }
  }
  if (!(sum > 0) || !std::isfinite(sum)) {
    throw DataError("every frame's weight is 0 (or their sum is not finite): nothing to train on");
  }
  const double scale = static_cast<double>(frames) / sum;
  for (double& x : w) x *= scale;
  return w;
}

double effective_sample_size(const std::vector<double>& w) {
  double s = 0, s2 = 0;
  for (double x : w) {
    s += x;
    s2 += x * x;
  }
  return s2 > 0 ? s * s / s2 : 0.0;
}

}  // namespace dynae
