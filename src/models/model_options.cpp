#include "dynae/models/model_options.h"

#include <algorithm>
#include <cctype>

#include "dynae/errors.h"
#include "dynae/models/model_kind.h"

namespace dynae {
namespace {

OptionDecl model_option(const char* key, OptionType type) {
  return OptionDecl(key, type).section("Model Parameters").checkpointed();
}
OptionDecl training_option(const char* key, OptionType type) {
  return OptionDecl(key, type).section("Training Parameters").checkpointed();
}
OptionDecl control_option(const char* key, OptionType type) {
  return OptionDecl(key, type).section("Other Controls").checkpointed();
}

std::vector<OptionChoice> model_choices() {
  std::vector<OptionChoice> out;
  for (const ModelKind* kind : model_kinds()) {
    OptionChoice c{kind->name, kind->config_name, kind->aliases};
    c.spellings.push_back(kind->display_name);
    out.push_back(c);
  }
  return out;
}
std::vector<OptionChoice> encoder_choices() { return {{"fc", "fc_encoder", {}}, {"conv", "conv_encoder", {}}}; }
std::vector<OptionChoice> force_field_choices() {
  return {{"free", "free", {}}, {"conservative", "conservative", {"gradient", "potential"}}};
}
std::vector<OptionChoice> standardize_choices() {
  return {{"auto", "auto", {}}, {"True", "True", {"true", "1", "yes", "on"}}, {"False", "False", {"false", "0", "no", "off"}}};
}
std::vector<OptionChoice> warm_start_choices() { return {{"auto", "auto", {}}, {"tica", "tica", {}}, {"none", "none", {"random"}}}; }
std::vector<OptionChoice> activation_choices() {
  return {{"relu", "relu", {"ReLU"}}, {"tanh", "tanh", {}}, {"silu", "silu", {"swish", "SiLU"}}, {"elu", "elu", {"ELU"}}};
}
std::vector<OptionChoice> speed_prior_choices() {
  return {{"laplace", "laplace", {"sparse"}}, {"normal", "normal", {"gaussian", "dense"}}};
}
std::vector<OptionChoice> decoder_choices() { return {{"fc", "fc_decoder", {}}, {"deconv", "deconv_decoder", {}}}; }

}  // namespace

const std::vector<BoundOption<ModelOptions>>& model_option_table() {
  static const std::vector<BoundOption<ModelOptions>> table = {
#define DYNAE_OPTION(member, type, value, declaration) bind_option(declaration, &ModelOptions::member, #member),
#include "dynae/models/model_options.def"
#undef DYNAE_OPTION
  };
  return table;
}

std::vector<std::string> model_names() {
  std::vector<std::string> names;
  for (const ModelKind* kind : model_kinds()) names.push_back(kind->name);
  return names;
}

std::string canonical_model_name(const std::string& name) {
  const ModelKind* kind = find_model_kind(name);
  return kind ? kind->name : "";
}

std::string model_display_name(const std::string& model) {
  if (const ModelKind* kind = find_model_kind(model)) return kind->display_name;
  std::string upper = model;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return upper;
}

bool ModelOptions::variational() const { return model_kind(model).variational; }
bool ModelOptions::has_dynamics() const { return model_kind(model).has_dynamics(); }
bool ModelOptions::conservative_force() const {
  return force_field == "conservative" && model_kind(model).dynamics == LatentDynamics::Langevin;
}

int64_t ModelOptions::starts_asked() const {
  if (starts > 0) return starts;
  return canonical_model_name(model) == "dynae" && epochs >= 20 ? 4 : 1;
}

int64_t ModelOptions::epochs_per_start() const {
  return start_epochs > 0 ? start_epochs : std::max<int64_t>(2, epochs / 10);
}

namespace {

// "128-64-32" -> {128, 64, 32} (a comma would make a sweep); throws
// ConfigError naming the option
std::vector<int64_t> parse_widths(const std::string& key, const std::string& text) {
  std::vector<int64_t> out;
  const std::string expected = "option " + key + " = '" + text +
                               "' is invalid: expected auto, or hidden-layer widths joined by '-', each an integer "
                               "from 1 to 65536, at most 16 of them (e.g. 128-64-32)";
  size_t at = 0;
  while (true) {
    const size_t dash = text.find('-', at);
    std::string item = text.substr(at, dash == std::string::npos ? std::string::npos : dash - at);
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front()))) item.erase(item.begin());
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) item.pop_back();
    if (item.empty() || item.size() > 6 ||
        !std::all_of(item.begin(), item.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      throw ConfigError(expected);
    }
    const int64_t w = std::stoll(item);
    if (w < 1 || w > 65536) throw ConfigError(expected);
    out.push_back(w);
    if (dash == std::string::npos) break;
    at = dash + 1;
  }
  if (out.size() > 16) throw ConfigError(expected);
  return out;
}

}  // namespace

std::vector<int64_t> ModelOptions::encoder_hidden_widths() const {
  if (encoder_widths != "auto") return parse_widths("encoder_widths", encoder_widths);
  return std::vector<int64_t>(static_cast<size_t>(encoder_layers), encoder_hidden);
}

std::vector<int64_t> ModelOptions::decoder_hidden_widths() const {
  if (decoder_widths != "auto") return parse_widths("decoder_widths", decoder_widths);
  return std::vector<int64_t>(static_cast<size_t>(decoder_layers), decoder_hidden);
}

void ModelOptions::validate() const {
  for (const auto& option : model_option_table()) option.validate(*this);
  encoder_hidden_widths();  // their text parses (throws otherwise)
  decoder_hidden_widths();
  if (prior_substeps > 1 && learn_diffusion) {
    throw ConfigError("option prior_substeps = " + std::to_string(prior_substeps) +
                      " needs fixed diffusion: learn_diffusion = True is simulated in one step only");
  }
  if (model_kind(model).flow_fields) {
    if (sta_potential_fields + sta_rotational_fields < 1) {
      throw ConfigError("options sta_potential_fields = " + std::to_string(sta_potential_fields) +
                        " and sta_rotational_fields = " + std::to_string(sta_rotational_fields) +
                        " are invalid: STA needs at least one flow field");
    }
    if (sta_rotational_fields > 0 && latent_dim < 2) {
      throw ConfigError("option sta_rotational_fields = " + std::to_string(sta_rotational_fields) +
                        " needs a latent of at least 2 dimensions (d = " + std::to_string(latent_dim) +
                        "): a divergence-free field in 1-D is constant; use sta_rotational_fields = 0");
    }
  }
  if (warmup_epochs > epochs) {
    throw ConfigError("option warmup_epochs = " + std::to_string(warmup_epochs) +
                      " is invalid: expected an integer from 1 to max_epochs (" + std::to_string(epochs) + ")");
  }
}

}  // namespace dynae
