// Reads the reference implementation's INI files with inih (libinih-dev).
#include <ini.h>
#include <strings.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "dynae/config/run_settings.h"
#include "dynae/errors.h"

namespace dynae {
namespace {

/// What inih hands over, with the raw lines it read: a line that starts with
/// whitespace continues the value above it (multi-line values, as in
/// Python's configparser); any other repeats of a key or a section are errors.
struct Parsed {
  struct Entry {
    std::string section, key, value;
    int64_t line;
  };
  std::string path;
  std::vector<Entry> entries;
  // The reader's view of the file.
  std::string text;
  size_t pos = 0;
  int64_t line = 0;            ///< number of the line being read (1-based)
  bool line_done = true;       ///< the last chunk ended a line
  bool continuation = false;   ///< the current line starts with whitespace
  std::set<std::string> sections, keys;  ///< lower-case section, and section + key, seen
  std::string error;
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// fgets over the file's text, noting where each line starts and which
/// sections it names.
char* read_chunk(char* out, int size, void* stream) {
  auto* p = static_cast<Parsed*>(stream);
  if (p->pos >= p->text.size() || size < 2) return nullptr;
  const size_t eol = p->text.find('\n', p->pos);
  const size_t end = std::min(eol == std::string::npos ? p->text.size() : eol + 1, p->pos + static_cast<size_t>(size - 1));
  if (p->line_done) {  // a new line starts here
    ++p->line;
    const char first = p->text[p->pos];
    p->continuation = first == ' ' || first == '\t';
    const size_t b = p->text.find_first_not_of(" \t", p->pos);
    if (b != std::string::npos && b < end && p->text[b] == '[') {
      const size_t close = p->text.find(']', b);
      if (close != std::string::npos && close < (eol == std::string::npos ? p->text.size() : eol)) {
        const std::string name = lower(p->text.substr(b + 1, close - b - 1));
        if (!p->sections.insert(name).second && p->error.empty()) {
          p->error = "'" + p->path + "', line " + std::to_string(p->line) + ": section [" +
                     p->text.substr(b + 1, close - b - 1) + "] appears a second time";
        }
      }
    }
  }
  std::memcpy(out, p->text.data() + p->pos, end - p->pos);
  out[end - p->pos] = '\0';
  p->line_done = end == eol + 1 || end == p->text.size();
  p->pos = end;
  return out;
}

int on_entry(void* user, const char* section, const char* name, const char* value) {
  auto* p = static_cast<Parsed*>(user);
  if (p->continuation && !p->entries.empty() && p->entries.back().section == section && p->entries.back().key == name) {
    p->entries.back().value += std::string(" ") + (value ? value : "");
    return 1;
  }
  if (!p->keys.insert(lower(section) + "\n" + lower(name)).second && p->error.empty()) {
    p->error = "'" + p->path + "', line " + std::to_string(p->line) + ": key '" + name + "' appears a second time in [" +
               section + "]";
  }
  p->entries.push_back({section, name, value ? value : "", p->line});
  return 1;
}

bool file_exists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0;
}

/// Whether `key` holds a list of data files (input_data, target_data, weights_data).
bool is_path_list(const std::string& key) {
  for (const auto& option : run_option_table()) {
    if (option.info.answers_to(key)) return option.info.type == OptionType::Paths;
  }
  return false;
}

}  // namespace

void read_ini_config(const std::string& path, ConfigSpec& spec) {
  Parsed parsed;
  parsed.path = path;
  {
    struct stat st;
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      throw ConfigError("'" + path + "' is a folder: expected an INI config file" +
                        (::stat((path + "/config.ini").c_str(), &st) == 0 ? " (a run's is '" + path + "/config.ini')"
                                                                          : std::string()));
    }
    std::ifstream f(path, std::ios::binary);
    if (!f) throw ConfigError("'" + path + "': cannot open config file");
    std::ostringstream text;
    text << f.rdbuf();
    parsed.text = text.str();
  }
  // Lines of any length (up to 16 MB): a heap buffer that grows.
  ini_use_stack = false;
  ini_allow_realloc = true;
  ini_max_line = 1 << 24;
  const int rc = ini_parse_stream(read_chunk, &parsed, on_entry, &parsed);
  if (rc == -2) throw ConfigError("'" + path + "': out of memory while parsing");
  if (rc > 0) {
    throw ConfigError("'" + path + "': syntax error on line " + std::to_string(rc) +
                      " (expected '[Section]', 'key = value' or a comment)");
  }
  if (!parsed.error.empty()) throw ConfigError(parsed.error);
  const size_t slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  for (const auto& e : parsed.entries) {
    const std::string origin = "'" + path + "' [" + e.section + "]";
    if (!ConfigSpec::is_known(e.key)) spec.set(e.key, e.value, origin);  // throws: unknown key
    const std::string section = ConfigSpec::section_of(e.key);
    if (::strcasecmp(section.c_str(), e.section.c_str()) != 0) {
      throw ConfigError(origin + ": key '" + e.key + "' belongs in section [" + section + "]");
    }
    std::string value = e.value;
    if (is_path_list(e.key)) {
      // Paths as the reference takes them (from the working directory), or
      // else from the config file's folder.
      std::string joined;
      for (const auto& item : split_list(value)) {
        std::string p = item;
        if (!p.empty() && p[0] != '/' && !file_exists(p) && !dir.empty() && file_exists(dir + p)) p = dir + p;
        joined += (joined.empty() ? "" : ", ") + p;
      }
      value = "[" + joined + "]";
    }
    spec.set(e.key, value, origin);
  }
}

}  // namespace dynae
