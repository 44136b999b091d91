#include "dynae/config/run_settings.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>

#include "dynae/errors.h"

namespace dynae {
namespace {

enum class Kind { Int, Float, Bool, Choice, Paths };

struct KeyDef {
  const char* name;
  const char* section;
  Kind kind;
  const char* choices;  // for Choice: "a|b"
};

// The reference implementation's keys, then dynae's own (marked *).
const KeyDef kKeys[] = {
    {"d", "Model Parameters", Kind::Int, nullptr},
    {"encoder_type", "Model Parameters", Kind::Choice, "fc_encoder|fc|conv_encoder|conv"},
    {"decoder_type", "Model Parameters", Kind::Choice, "fc_decoder|fc|deconv_decoder|deconv"},
    {"neuron_num1", "Model Parameters", Kind::Int, nullptr},
    {"neuron_num2", "Model Parameters", Kind::Int, nullptr},
    {"model", "Model Parameters", Kind::Choice, "DynamicsAE|dynae|VAE|SWAE|SDE-VAE|sdevae|TAE|TICA"},
    {"projection_num", "Model Parameters", Kind::Int, nullptr},
    {"min_dist", "Model Parameters", Kind::Float, nullptr},
    {"bias_factor", "Model Parameters", Kind::Float, nullptr},
    {"prior_dynamics", "Model Parameters", Kind::Choice, "Langevin"},
    {"learn_diffusion", "Model Parameters", Kind::Bool, nullptr},      // *
    {"prior_neuron_num", "Model Parameters", Kind::Int, nullptr},      // *
    {"max_centers", "Model Parameters", Kind::Int, nullptr},           // *
    {"sdevae_nu", "Model Parameters", Kind::Float, nullptr},           // *
    {"tica_ridge", "Model Parameters", Kind::Float, nullptr},          // *
    {"batch_size", "Training Parameters", Kind::Int, nullptr},
    {"max_epochs", "Training Parameters", Kind::Int, nullptr},
    {"lr_scheduler_step_size", "Training Parameters", Kind::Int, nullptr},
    {"lr_scheduler_gamma", "Training Parameters", Kind::Float, nullptr},
    {"log_interval", "Training Parameters", Kind::Int, nullptr},
    {"learning_rate", "Training Parameters", Kind::Float, nullptr},
    {"beta", "Training Parameters", Kind::Float, nullptr},
    {"lag", "Training Parameters", Kind::Int, nullptr},                // *
    {"warmup_epochs", "Training Parameters", Kind::Int, nullptr},      // *
    {"prior_refit_steps", "Training Parameters", Kind::Int, nullptr},  // *
    {"fused_kernels", "Training Parameters", Kind::Bool, nullptr},     // *
    {"test_fraction", "Training Parameters", Kind::Float, nullptr},    // *
    {"input_data", "Data", Kind::Paths, nullptr},
    {"target_data", "Data", Kind::Paths, nullptr},
    {"seed", "Other Controls", Kind::Int, nullptr},
    {"SaveTrajResults", "Other Controls", Kind::Bool, nullptr},
    {"SaveTrainingProgress", "Other Controls", Kind::Bool, nullptr},
    {"threads", "Other Controls", Kind::Int, nullptr},                 // *
};

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

const KeyDef* find_key(const std::string& key) {
  const std::string k = lower(trim(key));
  for (const auto& def : kKeys) {
    if (lower(def.name) == k) return &def;
  }
  return nullptr;
}

const KeyDef& key_or_throw(const std::string& key, const std::string& origin) {
  const KeyDef* def = find_key(key);
  if (!def) {
    std::string known;
    for (const auto& d : kKeys) known += std::string(known.empty() ? "" : ", ") + d.name;
    throw ConfigError(origin + ": unknown key '" + key + "' (known keys: " + known + ")");
  }
  return *def;
}

bool parse_bool(const std::string& v, bool* out) {
  const std::string l = lower(v);
  if (l == "true" || l == "1" || l == "yes" || l == "on") return *out = true, true;
  if (l == "false" || l == "0" || l == "no" || l == "off") return *out = false, true;
  return false;
}

bool parse_int(const std::string& v, int64_t* out) {
  if (v.empty()) return false;
  size_t pos = 0;
  try {
    const long long x = std::stoll(v, &pos);
    if (pos == v.size()) return *out = x, true;
    // Accept integral floats such as "2.0" or "1e3".
    const double d = std::stod(v, &pos);
    if (pos == v.size() && std::floor(d) == d && std::fabs(d) < 9e15) return *out = static_cast<int64_t>(d), true;
  } catch (const std::exception&) {
  }
  return false;
}

bool parse_float(const std::string& v, double* out) {
  if (v.empty()) return false;
  size_t pos = 0;
  try {
    const double d = std::stod(v, &pos);
    if (pos == v.size() && std::isfinite(d)) return *out = d, true;
  } catch (const std::exception&) {
  }
  return false;
}

/// "a|b|c" -> "a, b or c".
std::string choice_list(const std::string& choices) {
  std::string out = choices;
  const auto last = out.rfind('|');
  if (last != std::string::npos) out.replace(last, 1, " or ");
  for (auto& c : out) c = c == '|' ? ',' : c;
  size_t pos = 0;
  while ((pos = out.find(',', pos)) != std::string::npos) out.insert(++pos, " ");
  return out;
}

std::string choice_canonical(const KeyDef& def, const std::string& v, const std::string& origin) {
  if (std::string(def.name) == "model") {
    const std::string c = canonical_model_name(v);
    if (!c.empty()) return c;
  }
  std::stringstream ss(def.choices);
  std::string c;
  while (std::getline(ss, c, '|')) {
    if (lower(c) == lower(v)) return c;
  }
  throw ConfigError(origin + ": " + def.name + " = '" + v + "' is not supported; expected " + choice_list(def.choices));
}

void check_value(const KeyDef& def, const std::string& v, const std::string& origin) {
  int64_t i;
  double f;
  bool b;
  const std::string where = origin + ": " + def.name + " = '" + v + "' ";
  switch (def.kind) {
    case Kind::Int:
      if (!parse_int(v, &i)) throw ConfigError(where + "is not an integer");
      break;
    case Kind::Float:
      if (!parse_float(v, &f)) throw ConfigError(where + "is not a finite number");
      break;
    case Kind::Bool:
      if (!parse_bool(v, &b)) throw ConfigError(where + "is not a boolean (expected True or False)");
      break;
    case Kind::Choice:
      choice_canonical(def, v, origin);
      break;
    case Kind::Paths:
      if (v.empty()) throw ConfigError(where + "is an empty path");
      break;
  }
}

void apply(RunSettings& r, const KeyDef& def, const std::string& v) {
  const std::string n = def.name;
  int64_t i = 0;
  double f = 0;
  bool b = false;
  if (def.kind == Kind::Int) parse_int(v, &i);
  if (def.kind == Kind::Float) parse_float(v, &f);
  if (def.kind == Kind::Bool) parse_bool(v, &b);
  ModelOptions& o = r.options;
  if (n == "d") o.latent_dim = i;
  else if (n == "encoder_type") o.encoder_type = lower(v).rfind("conv", 0) == 0 ? "conv" : "fc";
  else if (n == "decoder_type") o.decoder_type = lower(v).rfind("deconv", 0) == 0 ? "deconv" : "fc";
  else if (n == "neuron_num1") o.encoder_hidden = i;
  else if (n == "neuron_num2") o.decoder_hidden = i;
  else if (n == "model") o.model = canonical_model_name(v);
  else if (n == "projection_num") o.projections = i;
  else if (n == "min_dist") o.min_dist = f;
  else if (n == "bias_factor") o.bias_factor = f;
  else if (n == "prior_dynamics") r.prior_dynamics = "Langevin";
  else if (n == "learn_diffusion") o.learn_diffusion = b;
  else if (n == "prior_neuron_num") o.prior_hidden = i;
  else if (n == "max_centers") o.max_centers = i;
  else if (n == "sdevae_nu") o.sdevae_nu = f;
  else if (n == "tica_ridge") o.tica_ridge = f;
  else if (n == "batch_size") o.batch_size = i;
  else if (n == "max_epochs") o.epochs = i;
  else if (n == "lr_scheduler_step_size") o.lr_step_size = i;
  else if (n == "lr_scheduler_gamma") o.lr_gamma = f;
  else if (n == "log_interval") r.log_interval = i;
  else if (n == "learning_rate") o.learning_rate = f;
  else if (n == "beta") o.beta = f;
  else if (n == "lag") o.lag = i;
  else if (n == "warmup_epochs") o.warmup_epochs = i;
  else if (n == "prior_refit_steps") o.prior_refit_steps = i;
  else if (n == "fused_kernels") o.fused_kernels = b;
  else if (n == "test_fraction") o.test_fraction = f;
  else if (n == "seed") o.seed = static_cast<uint64_t>(i);
  else if (n == "SaveTrajResults") r.save_traj_results = b;
  else if (n == "SaveTrainingProgress") r.save_training_progress = b;
  else if (n == "threads") r.threads = i;
}

}  // namespace

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

ConfigSpec::ConfigSpec() = default;

bool ConfigSpec::is_known(const std::string& key) { return find_key(key) != nullptr; }

std::string ConfigSpec::section_of(const std::string& key) { return key_or_throw(key, "config").section; }

std::vector<std::string> ConfigSpec::known_keys() {
  std::vector<std::string> k;
  for (const auto& d : kKeys) k.push_back(d.name);
  return k;
}

void ConfigSpec::set(const std::string& key, const std::string& text, const std::string& origin) {
  const KeyDef& def = key_or_throw(key, origin);
  std::vector<std::string> items;
  try {
    items = split_list(text);
  } catch (const ConfigError& e) {
    throw ConfigError(origin + ": " + def.name + ": " + e.what());
  }
  set(key, items, origin);
}

void ConfigSpec::set(const std::string& key, const std::vector<std::string>& items, const std::string& origin) {
  const KeyDef& def = key_or_throw(key, origin);
  if (items.empty()) throw ConfigError(origin + ": " + def.name + " has no value");
  for (const auto& v : items) check_value(def, v, origin);
  values_[def.name] = items;
}

std::vector<RunSettings> ConfigSpec::expand() const {
  RunSettings base;
  std::vector<std::pair<const KeyDef*, std::vector<std::string>>> axes;
  for (const auto& def : kKeys) {
    auto it = values_.find(def.name);
    if (it == values_.end()) continue;
    if (def.kind == Kind::Paths) {
      (std::string(def.name) == "input_data" ? base.input_paths : base.target_paths) = it->second;
    } else {
      axes.emplace_back(&def, it->second);
    }
  }
  if (base.input_paths.empty()) throw ConfigError("no input data: set input_data in [Data] or pass --input");
  std::vector<RunSettings> runs{base};
  for (const auto& [def, vals] : axes) {
    std::vector<RunSettings> next;
    for (const auto& r : runs) {
      for (const auto& v : vals) {
        RunSettings s = r;
        apply(s, *def, v);
        if (vals.size() > 1) s.label += std::string(s.label.empty() ? "" : "_") + def->name + "=" + v;
        next.push_back(std::move(s));
      }
    }
    runs = std::move(next);
  }
  for (const auto& r : runs) {
    try {
      r.options.validate();
    } catch (const ConfigError& e) {
      throw ConfigError(std::string(e.what()) + (r.label.empty() ? "" : " (run " + r.label + ")"));
    }
    if (r.log_interval < 1) throw ConfigError("log_interval must be >= 1 epoch, got " + std::to_string(r.log_interval));
    if (r.threads < 0) throw ConfigError("threads must be >= 0, got " + std::to_string(r.threads));
  }
  return runs;
}

namespace {

std::string num(double v) {
  std::ostringstream os;
  os.precision(12);
  os << v;
  return os.str();
}

std::string path_list(const std::vector<std::string>& p) {
  std::string s = "[";
  for (size_t i = 0; i < p.size(); ++i) s += (i ? ", " : "") + p[i];
  return s + "]";
}

}  // namespace

std::string to_ini(const RunSettings& r) {
  const ModelOptions& o = r.options;
  std::ostringstream os;
  os << "# Resolved configuration of a dynae run; `dynae train --config` reads it back.\n"
     << "[Model Parameters]\n"
     << "d = [" << o.latent_dim << "]\n"
     << "encoder_type = " << o.encoder_type << "_encoder\n"
     << "decoder_type = " << o.decoder_type << "_decoder\n"
     << "neuron_num1 = [" << o.encoder_hidden << "]\n"
     << "neuron_num2 = [" << o.decoder_hidden << "]\n"
     << "model = " << (o.model == "dynae" ? std::string("DynamicsAE") : model_display_name(o.model)) << "\n"
     << "projection_num = " << o.projections << "\n"
     << "min_dist = " << num(o.min_dist) << "\n"
     << "bias_factor = " << num(o.bias_factor) << "\n"
     << "prior_dynamics = " << r.prior_dynamics << "\n"
     << "learn_diffusion = " << (o.learn_diffusion ? "True" : "False") << "\n"
     << "prior_neuron_num = " << o.prior_hidden << "\n"
     << "max_centers = " << o.max_centers << "\n"
     << "sdevae_nu = " << num(o.sdevae_nu) << "\n"
     << "tica_ridge = " << num(o.tica_ridge) << "\n\n"
     << "[Training Parameters]\n"
     << "batch_size = " << o.batch_size << "\n"
     << "max_epochs = " << o.epochs << "\n"
     << "lr_scheduler_step_size = " << o.lr_step_size << "\n"
     << "lr_scheduler_gamma = " << num(o.lr_gamma) << "\n"
     << "log_interval = " << r.log_interval << "\n"
     << "learning_rate = [" << num(o.learning_rate) << "]\n"
     << "beta = [" << num(o.beta) << "]\n"
     << "lag = " << o.lag << "\n"
     << "warmup_epochs = " << o.warmup_epochs << "\n"
     << "prior_refit_steps = " << o.prior_refit_steps << "\n"
     << "fused_kernels = " << (o.fused_kernels ? "True" : "False") << "\n"
     << "test_fraction = " << num(o.test_fraction) << "\n\n"
     << "[Data]\n"
     << "input_data = " << path_list(r.input_paths) << "\n";
  if (!r.target_paths.empty()) os << "target_data = " << path_list(r.target_paths) << "\n";
  os << "\n[Other Controls]\n"
     << "seed = [" << o.seed << "]\n"
     << "SaveTrajResults = " << (r.save_traj_results ? "True" : "False") << "\n"
     << "SaveTrainingProgress = " << (r.save_training_progress ? "True" : "False") << "\n"
     << "threads = " << r.threads << "\n";
  return os.str();
}

}  // namespace dynae
