// The registry of model kinds: one line per kind, each declared in its own
// file under src/models/kinds/.
#include <cctype>

#include "dynae/errors.h"
#include "dynae/models/model_kind.h"

namespace dynae {

const ModelKind& dynae_model_kind();
const ModelKind& vae_model_kind();
const ModelKind& swae_model_kind();
const ModelKind& sdevae_model_kind();
const ModelKind& tae_model_kind();
const ModelKind& tica_model_kind();
const ModelKind& sta_model_kind();

const std::vector<const ModelKind*>& model_kinds() {
  static const std::vector<const ModelKind*> kinds{
      &dynae_model_kind(),  &vae_model_kind(), &swae_model_kind(),
      &sdevae_model_kind(), &tae_model_kind(), &tica_model_kind(), &sta_model_kind(),
  };
  return kinds;
}

namespace {

/// Lower case without '-', '_' and spaces: "SDE-VAE" -> "sdevae".
std::string folded(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (c != '-' && c != '_' && c != ' ') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace

const ModelKind* find_model_kind(const std::string& name) {
  for (const ModelKind* kind : model_kinds()) {
    if (kind->name == name) return kind;  // the canonical name, as options hold it
  }
  const std::string key = folded(name);
  for (const ModelKind* kind : model_kinds()) {
    if (folded(kind->name) == key || folded(kind->display_name) == key || folded(kind->config_name) == key) return kind;
    for (const std::string& alias : kind->aliases) {
      if (folded(alias) == key) return kind;
    }
  }
  return nullptr;
}

const ModelKind& model_kind(const std::string& name) {
  if (const ModelKind* kind = find_model_kind(name)) return *kind;
  std::string known;
  for (const ModelKind* kind : model_kinds()) {
    known += (known.empty() ? "" : ", ") + kind->name;
    if (kind->config_name != kind->name) known += " (" + kind->config_name + ")";
  }
  throw ConfigError("unknown model '" + name + "': expected one of " + known);
}

}  // namespace dynae
