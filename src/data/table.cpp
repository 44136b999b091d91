#include "dynae/data/table.h"

#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "dynae/errors.h"
#include "dynae/atomic_file.h"

namespace dynae {
namespace {

/// PLUMED's names of bias-like columns, left out of the default features.
const char* const kBiasLike[] = {"*.bias", "*.rbias", "*.rct", "*.work"};

bool glob_match(const std::string& pattern, const std::string& name) {
  return ::fnmatch(pattern.c_str(), name.c_str(), 0) == 0;
}

bool has_glob(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

std::string without_bom(const std::string& line) {
  return line.rfind("\xEF\xBB\xBF", 0) == 0 ? line.substr(3) : line;
}

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

/// Fields of a line: split on `sep` (trimmed) or, for sep = 0, on runs of whitespace.
std::vector<std::string> split_fields(const std::string& line, char sep) {
  std::vector<std::string> out;
  if (sep == 0) {
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
      if (i >= line.size()) break;
      const size_t j = i;
      while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
      out.push_back(line.substr(j, i - j));
    }
    return out;
  }
  size_t start = 0;
  for (;;) {
    const size_t p = line.find(sep, start);
    out.push_back(trim(line.substr(start, p == std::string::npos ? std::string::npos : p - start)));
    if (p == std::string::npos) break;
    start = p + 1;
  }
  return out;
}

std::string listed(const std::vector<std::string>& names) {
  std::string s;
  for (size_t i = 0; i < names.size() && i < 60; ++i) s += (i ? ", " : "") + names[i];
  if (names.size() > 60) s += ", ... (" + std::to_string(names.size()) + " in all)";
  return s;
}

/// Streaming reader state: the chosen column indices of the current header.
struct Reader {
  const std::string& path;
  const ColumnSelection& selection;
  ColumnData data;
  std::vector<std::string> header;
  std::vector<size_t> feature_index;
  int64_t weight_index = -1;
  int64_t time_index = -1;
  double last_time = -INFINITY;
  std::vector<double> values, weights;  ///< the current segment
  int64_t rows = 0;

  std::string where(int64_t line) const { return "'" + path + "', line " + std::to_string(line); }

  /// A new header: resolves the selection (the first time) or checks that
  /// the chosen names are still there, and starts a new segment.
  void set_header(std::vector<std::string> names, int64_t time_column, int64_t line) {
    finish_segment();
    header = std::move(names);
    time_index = time_column;
    last_time = -INFINITY;
    if (header.empty()) throw DataError(where(line) + ": header names no column");
    for (size_t i = 0; i < header.size(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        if (header[i] == header[j]) {
          throw DataError(where(line) + ": the header names column '" + header[i] + "' twice (columns " +
                          std::to_string(j + 1) + " and " + std::to_string(i + 1) + "); give each column its own name");
        }
      }
    }
    if (data.columns.empty()) {
      data.columns = header;
      data.names = select_columns(header, selection, time_column >= 0 ? header[time_column] : "", "'" + path + "'");
    }
    feature_index.clear();
    for (const auto& n : data.names) {
      const auto it = std::find(header.begin(), header.end(), n);
      if (it == header.end()) {
        throw DataError(where(line) + ": this header block has no column '" + n + "' (it has " + listed(header) + ")");
      }
      feature_index.push_back(static_cast<size_t>(it - header.begin()));
    }
    weight_index = -1;
    if (!selection.weights_column.empty()) {
      const auto it = std::find(header.begin(), header.end(), selection.weights_column);
      if (it == header.end()) {
        throw DataError(where(line) + ": no weights column '" + selection.weights_column + "' (columns: " + listed(header) + ")");
      }
      weight_index = it - header.begin();
    }
  }

  void add_row(const std::vector<std::string>& fields, int64_t line) {
    if (fields.size() != header.size()) {
      throw DataError(where(line) + ": " + std::to_string(fields.size()) + " fields, the header has " +
                      std::to_string(header.size()) + " (" + listed(header) + ")");
    }
    auto number = [&](size_t k) {
      const std::string& f = fields[k];
      errno = 0;
      char* end = nullptr;
      const double v = std::strtod(f.c_str(), &end);
      if (f.empty() || end != f.c_str() + f.size() || errno == ERANGE || !std::isfinite(v)) {
        throw DataError(where(line) + ", column " + std::to_string(k + 1) + " ('" + header[k] + "'): '" + f +
                        "' is not a finite number");
      }
      return v;
    };
    if (time_index >= 0) {
      const double t = number(static_cast<size_t>(time_index));
      if (t < last_time) {
        throw DataError(where(line) + ": time goes backwards inside one block (" + fields[time_index] + " after " +
                        std::to_string(last_time) + "); a restart needs its own '#! FIELDS' header");
      }
      last_time = t;
    }
    if (rows == 0) data.first_lines.push_back(line);
    for (size_t k : feature_index) values.push_back(number(k));
    if (weight_index >= 0) weights.push_back(number(static_cast<size_t>(weight_index)));
    ++rows;
  }

  void finish_segment() {
    if (rows == 0) return;
    data.segments.emplace_back(std::vector<int64_t>{rows, static_cast<int64_t>(data.names.size())}, std::move(values));
    if (weight_index >= 0) data.weights.push_back(std::move(weights));
    values = {};
    weights = {};
    rows = 0;
  }
};

}  // namespace

const char* format_name(FileFormat f) {
  switch (f) {
    case FileFormat::Npy: return "npy";
    case FileFormat::Colvar: return "PLUMED COLVAR";
    case FileFormat::Table: return "CSV/TSV table";
  }
  return "?";
}

FileFormat detect_format(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    throw DataError("'" + path + "' is a folder: expected a file (.npy, PLUMED COLVAR or CSV / TSV)");
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) throw DataError("'" + path + "': cannot open (" + std::strerror(errno) + ")");
  // Told apart by content: the .npy magic string, else text.
  char head[4096] = {};
  f.read(head, sizeof head);
  const std::streamsize n = f.gcount();
  if (n >= 6 && std::memcmp(head, "\x93NUMPY", 6) == 0) return FileFormat::Npy;
  for (std::streamsize i = 0; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(head[i]);
    if (c == 0 || (c < 32 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != '\v')) {
      const bool zip = n >= 4 && std::memcmp(head, "PK\x03\x04", 4) == 0;
      throw DataError("'" + path + "' is neither a .npy array (it lacks the \\x93NUMPY magic string) nor a text "
                      "table (byte " + std::to_string(i) + " is binary)" +
                      (zip ? ": it is a zip archive (.npz?); save each array with numpy.save" : ""));
    }
  }
  f.clear();
  f.seekg(0);
  std::string line;
  bool first = true;
  while (std::getline(f, line)) {
    if (first) line = without_bom(line);
    first = false;
    const std::string t = trim(line);
    if (t.empty()) continue;
    if (t.rfind("#!", 0) == 0) return trim(t.substr(2)).rfind("FIELDS", 0) == 0 ? FileFormat::Colvar : FileFormat::Table;
    if (t[0] != '#') return FileFormat::Table;
  }
  return FileFormat::Table;
}

std::vector<std::string> select_columns(const std::vector<std::string>& columns, const ColumnSelection& s,
                                        const std::string& time_column, const std::string& what) {
  std::vector<std::string> out;
  auto add = [&](const std::string& n) {
    if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  };
  if (s.features.empty()) {
    for (const auto& c : columns) {
      if (c == time_column || c == s.weights_column) continue;
      bool bias = false;
      for (const char* p : kBiasLike) bias |= glob_match(p, c);
      if (!bias) add(c);
    }
    if (out.empty()) throw DataError(what + ": no feature column left (columns: " + listed(columns) + ")");
    return out;
  }
  for (const auto& f : s.features) {
    const std::string name = trim(f);
    if (name.empty()) throw DataError(what + ": an empty feature name in the selection");
    bool found = false;
    for (const auto& c : columns) {
      if (has_glob(name) ? glob_match(name, c) : c == name) {
        add(c);
        found = true;
      }
    }
    if (!found) {
      throw DataError(what + ": no column " + (has_glob(name) ? "matches '" : "named '") + name +
                      "' (available: " + listed(columns) + ")");
    }
  }
  return out;
}

ColumnData read_columns(const std::string& path, const ColumnSelection& selection) {
  std::ifstream f(path);
  if (!f) throw DataError("'" + path + "': cannot open (" + std::strerror(errno) + ")");
  Reader r{path, selection, {}, {}, {}, -1, -1, -INFINITY, {}, {}, 0};
  std::string line;
  int64_t n = 0;
  bool colvar = false, table_header = false;
  char sep = 0;
  while (std::getline(f, line)) {
    ++n;
    if (n == 1) line = without_bom(line);  // a UTF-8 byte-order mark is no part of the first name
    const std::string t = trim(line);
    if (t.empty()) continue;
    if (t.rfind("#!", 0) == 0) {
      const std::vector<std::string> words = split_fields(t.substr(2), 0);
      if (!words.empty() && words[0] == "FIELDS") {
        if (table_header) throw DataError(r.where(n) + ": a PLUMED '#! FIELDS' header inside a CSV/TSV table");
        colvar = true;
        r.set_header(std::vector<std::string>(words.begin() + 1, words.end()), 0, n);
      }
      continue;  // "#! SET name value" and other directives: constants, not columns
    }
    if (t[0] == '#') continue;
    if (!colvar && !table_header) {
      // A table's header row; its separator decides the rest.
      sep = t.find('\t') != std::string::npos ? '\t' : t.find(',') != std::string::npos ? ',' : 0;
      std::vector<std::string> names = split_fields(t, sep);
      for (const auto& nm : names) {
        if (nm.empty()) throw DataError(r.where(n) + ": the header row has an empty column name");
        char* end = nullptr;
        std::strtod(nm.c_str(), &end);
        if (end == nm.c_str() + nm.size()) {
          throw DataError(r.where(n) + ": the first row holds a number ('" + nm +
                          "'); a CSV/TSV table needs a header row naming its columns");
        }
      }
      const auto time = std::find(names.begin(), names.end(), "time");
      const int64_t ti = time == names.end() ? -1 : time - names.begin();
      table_header = true;
      r.set_header(std::move(names), ti, n);
      continue;
    }
    r.add_row(split_fields(colvar ? t : line, colvar ? 0 : sep), n);
  }
  r.finish_segment();
  if (r.data.columns.empty()) throw DataError("'" + path + "': no header and no data (an empty file?)");
  if (r.data.segments.empty()) throw DataError("'" + path + "': a header but no data rows");
  return std::move(r.data);
}

void write_colvar(const std::string& path, const std::vector<std::string>& names, const Array& values,
                  double time_step) {
  if (values.rank() != 2 || values.shape[1] != static_cast<int64_t>(names.size())) {
    throw DataError("COLVAR " + path + ": " + std::to_string(names.size()) + " names for values of shape " +
                    values.shape_string());
  }
  for (const auto& n : names) {
    if (n.empty() || n.find_first_of(" \t\r\n") != std::string::npos || n == "time") {
      throw DataError("COLVAR " + path + ": field name '" + n + "' is invalid: expected a word other than 'time'");
    }
  }
  write_atomically(path, [&](const std::string& tmp) {
    std::FILE* f = std::fopen(tmp.c_str(), "w");
    if (!f) throw Error("cannot write " + tmp + ": " + std::strerror(errno));
    std::fprintf(f, "#! FIELDS time");
    for (const auto& n : names) std::fprintf(f, " %s", n.c_str());
    std::fprintf(f, "\n");
    const int64_t T = values.frames(), w = values.shape[1];
    for (int64_t t = 0; t < T; ++t) {
      std::fprintf(f, "%.9g", static_cast<double>(t) * time_step);
      for (int64_t k = 0; k < w; ++k) std::fprintf(f, " %.9g", values.at(t, k));
      std::fprintf(f, "\n");
    }
    const bool failed = std::ferror(f) != 0;
    if (std::fclose(f) != 0 || failed) throw Error("cannot write " + tmp + ": " + std::strerror(errno));
  });
}

}  // namespace dynae
