#include "dynae/config/run_settings.h"

#include <sstream>

#include "dynae/errors.h"

namespace dynae {
namespace {

std::vector<OptionChoice> prior_dynamics_choices() { return {{"Langevin", "Langevin", {}}}; }
std::vector<OptionChoice> weights_kind_choices() {
  return {{"weights", "weights", {}}, {"logweights", "logweights", {}}, {"bias", "bias", {}}};
}

std::vector<OptionChoice> map_inputs_choices() {
  return {{"auto", "auto", {}}, {"always", "always", {}}, {"never", "never", {}}};
}

/// The INI file's sections, in order.
const char* const kSections[] = {"Model Parameters", "Training Parameters", "Data", "Other Controls"};

/// The run's own options (run_settings.def), not the model's.
const std::vector<BoundOption<RunSettings>>& run_own_options() {
  static const std::vector<BoundOption<RunSettings>> own = {
#define DYNAE_OPTION(member, type, value, declaration) bind_option(declaration, &RunSettings::member, #member),
#include "dynae/config/run_settings.def"
#undef DYNAE_OPTION
  };
  return own;
}

std::vector<BoundOption<RunSettings>> build_run_option_table() {
  const std::vector<BoundOption<RunSettings>>& own = run_own_options();
  // Section by section: the model's options, then the run's own.
  std::vector<BoundOption<RunSettings>> table;
  for (const char* section : kSections) {
    for (const auto& option : model_option_table()) {
      if (option.info.section == section) table.push_back(lift_option(option, &RunSettings::options));
    }
    for (const auto& option : own) {
      if (option.info.section == section) table.push_back(option);
    }
  }
  return table;
}

const BoundOption<RunSettings>* find_option(const std::string& key) {
  for (const auto& option : run_option_table()) {
    if (option.info.answers_to(key)) return &option;
  }
  return nullptr;
}

const BoundOption<RunSettings>& option_or_throw(const std::string& key, const std::string& origin) {
  const BoundOption<RunSettings>* option = find_option(key);
  if (!option) {
    std::string known;
    for (const auto& o : run_option_table()) known += (known.empty() ? "" : ", ") + o.info.key;
    throw ConfigError(origin + ": unknown key '" + key + "' (known keys: " + known + ")");
  }
  return *option;
}

}  // namespace

const std::vector<BoundOption<RunSettings>>& run_option_table() {
  static const std::vector<BoundOption<RunSettings>> table = build_run_option_table();
  return table;
}

ConfigSpec::ConfigSpec() = default;

bool ConfigSpec::is_known(const std::string& key) { return find_option(key) != nullptr; }

std::string ConfigSpec::section_of(const std::string& key) { return option_or_throw(key, "config").info.section; }

std::vector<std::string> ConfigSpec::known_keys() {
  std::vector<std::string> keys;
  for (const auto& option : run_option_table()) keys.push_back(option.info.key);
  return keys;
}

void ConfigSpec::set(const std::string& key, const std::string& text, const std::string& origin) {
  const OptionInfo& info = option_or_throw(key, origin).info;
  std::vector<std::string> items;
  try {
    items = split_list(text);
  } catch (const ConfigError& e) {
    throw ConfigError(origin + ": " + info.key + ": " + e.what());
  }
  set(key, items, origin);
}

void ConfigSpec::set(const std::string& key, const std::vector<std::string>& items, const std::string& origin) {
  const OptionInfo& info = option_or_throw(key, origin).info;
  if (items.empty()) throw ConfigError(origin + ": " + info.key + " has no value");
  for (const auto& item : items) info.parse(item, origin);  // throws naming origin, key and value
  values_[info.key] = items;
}

std::vector<RunSettings> ConfigSpec::expand(DataSource source) const {
  RunSettings base;
  std::vector<std::pair<const BoundOption<RunSettings>*, std::vector<std::string>>> axes;
  for (const auto& option : run_option_table()) {
    auto it = values_.find(option.info.key);
    if (it == values_.end()) continue;
    if (source == DataSource::Arrays && option.info.files_only) {
      throw ConfigError(option.info.key + " names files or columns to read or write; the frames are given as arrays");
    }
    if (option.info.type == OptionType::Paths || option.info.type == OptionType::Names) {
      option.set_items(base, it->second);  // a list of paths is one run's trajectories
    } else {
      axes.emplace_back(&option, it->second);
    }
  }
  if (source == DataSource::Files && base.input_paths.empty()) {
    throw ConfigError("no input data: set input_data in [Data] or pass --input");
  }
  std::vector<RunSettings> runs{base};
  for (const auto& [option, values] : axes) {
    std::vector<RunSettings> next;
    for (const auto& r : runs) {
      for (const auto& v : values) {
        RunSettings s = r;
        option->set(s, option->info.parse(v, "config"));
        if (values.size() > 1) s.label += std::string(s.label.empty() ? "" : "_") + option->info.key + "=" + v;
        next.push_back(std::move(s));
      }
    }
    runs = std::move(next);
  }
  for (const auto& r : runs) {
    try {
      r.options.validate();
      for (const auto& option : run_own_options()) option.validate(r);
      if (source == DataSource::Files) weight_spec(r).validate(r.input_paths.size());
    } catch (const ConfigError& e) {
      throw ConfigError(std::string(e.what()) + (r.label.empty() ? "" : " (run " + r.label + ")"));
    }
  }
  return runs;
}

WeightSpec weight_spec(const RunSettings& s) {
  WeightSpec w;
  w.files = s.weights_paths;
  w.column = s.weights_column;
  w.kind = parse_weight_kind(s.weights_kind);
  w.kT = s.kT;
  return w;
}

std::string to_ini(const RunSettings& settings) {
  std::ostringstream os;
  os << "# Resolved configuration of a dynae run; `dynae train --config` reads it back.\n";
  const std::string* section = nullptr;
  static const RunSettings defaults;
  for (const auto& option : run_option_table()) {
    const OptionInfo& info = option.info;
    const bool list = info.type == OptionType::Paths || info.type == OptionType::Names;
    if (list && option.get(settings) == "[]") continue;  // an empty list: the default (targets = inputs, default features)
    if (info.omit_at_default && option.get(settings) == option.get(defaults)) continue;
    if (!section || *section != info.section) {
      os << (section ? "\n" : "") << "[" << info.section << "]\n";
      section = &info.section;
    }
    const std::string value = info.ini_text(option.get(settings));
    os << info.key << " = " << (info.list_in_ini ? "[" + value + "]" : value) << "\n";
  }
  return os.str();
}

}  // namespace dynae
