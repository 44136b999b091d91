#pragma once
// Run configuration: every option of `dynae train`, read from the reference
// implementation's INI format and/or command-line flags. A key may hold a list
// of values; every combination of listed values is one run (a sweep).
#include <map>
#include <string>
#include <vector>

#include "dynae/data/frame_weights.h"
#include "dynae/models/model_options.h"

namespace dynae {

/// Everything one training run needs.
struct RunSettings {
  ModelOptions options;
#define DYNAE_OPTION(member, type, value, declaration) type member = value;
#include "dynae/config/run_settings.def"
#undef DYNAE_OPTION
  std::string label;  ///< "beta=10_seed=1" in a sweep, empty otherwise
};

/// Every option of a run, in INI order: the model options
/// (model_options.def) and the run's own (data, threads, outputs). Each
/// drives the INI reader and writer, the flags of `dynae train` and their
/// help; the model options also the checkpoint.
const std::vector<BoundOption<RunSettings>>& run_option_table();

/// Where the run's frame weights come from (weights_data, weights_column,
/// weights_kind, kT); not given() for an unweighted run.
WeightSpec weight_spec(const RunSettings& settings);

/// Where a run's frames come from: files named by its options (input_data,
/// ...: the command line, INI files), or arrays a program hands the library
/// (the Python package), with the options marked files_only left out.
enum class DataSource { Files, Arrays };

/// Raw key -> values, before expansion into runs. Keys are the reference INI
/// keys (case-insensitive), e.g. "d", "beta", "input_data", "SaveTrajResults".
class ConfigSpec {
 public:
  ConfigSpec();

  /// Sets a key from its textual value (a scalar, "[a, b]" or "a,b"). `origin`
  /// names where it came from for messages ("cfg.ini [Training Parameters]" or
  /// "--beta"). Throws ConfigError naming the key for unknown keys and
  /// malformed values.
  void set(const std::string& key, const std::string& text, const std::string& origin);
  /// The same with the values already split (e.g. repeated --input flags).
  void set(const std::string& key, const std::vector<std::string>& items, const std::string& origin);
  /// The INI section a key belongs to; throws ConfigError for unknown keys.
  static std::string section_of(const std::string& key);
  /// True when `key` (any case) is a known key or alias.
  static bool is_known(const std::string& key);
  /// All known keys in their canonical spelling, section by section (aliases not included).
  static std::vector<std::string> known_keys();

  /// Expands into one RunSettings per combination of listed values, each
  /// validated. Files: throws ConfigError when no input_data was given.
  /// Arrays: throws ConfigError when a files_only option was set; the frame
  /// weights' kind and kT are checked when the weights are given.
  std::vector<RunSettings> expand(DataSource source = DataSource::Files) const;

 private:
  std::map<std::string, std::vector<std::string>> values_;  // canonical key -> values
};

/// Reads an INI file (reference sections [Model Parameters], [Training
/// Parameters], [Data], [Other Controls]) into `spec`. Relative data paths are
/// taken from the working directory, or else from the config file's folder.
/// Throws ConfigError naming the file, line, section and key.
void read_ini_config(const std::string& path, ConfigSpec& spec);

/// The resolved settings of one run as an INI file that read_ini_config accepts.
std::string to_ini(const RunSettings& settings);

}  // namespace dynae
