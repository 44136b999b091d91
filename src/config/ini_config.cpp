// Reads the reference implementation's INI files with inih (libinih-dev).
#include <ini.h>
#include <strings.h>
#include <sys/stat.h>

#include <cstdio>

#include "dynae/config/run_settings.h"
#include "dynae/errors.h"

namespace dynae {
namespace {

struct Parsed {
  struct Entry {
    std::string section, key, value;
    int line;
  };
  std::vector<Entry> entries;
  int line = 0;
};

int on_entry(void* user, const char* section, const char* name, const char* value
#if INI_HANDLER_LINENO
             , int lineno
#endif
) {
  auto* p = static_cast<Parsed*>(user);
#if INI_HANDLER_LINENO
  const int line = lineno;
#else
  const int line = 0;
#endif
  // inih reports a continuation line as the same key again: join them.
  if (!p->entries.empty() && p->entries.back().section == section && p->entries.back().key == name) {
    p->entries.back().value += std::string(" ") + (value ? value : "");
    return 1;
  }
  p->entries.push_back({section, name, value ? value : "", line});
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
  const int rc = ini_parse(path.c_str(), on_entry, &parsed);
  if (rc == -1) throw ConfigError("'" + path + "': cannot open config file");
  if (rc == -2) throw ConfigError("'" + path + "': out of memory while parsing");
  if (rc > 0) {
    throw ConfigError("'" + path + "': syntax error on line " + std::to_string(rc) +
                      " (expected '[Section]', 'key = value' or a comment)");
  }
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
