#include "dynae/export/torchscript.h"

#include <torch/script.h>

#include <cctype>

#include "dynae/errors.h"
#include "models/model_impl.h"
#include "dynae/atomic_file.h"

namespace dynae {

ExportTarget parse_export_target(const std::string& t) {
  if (t == "encoder") return ExportTarget::Encoder;
  if (t == "decoder") return ExportTarget::Decoder;
  if (t == "force") return ExportTarget::Force;
  if (t == "free-energy" || t == "free_energy") return ExportTarget::FreeEnergy;
  throw ConfigError("export: --what '" + t + "' is not one of encoder, decoder, force, free-energy");
}

const char* export_target_name(ExportTarget t) {
  switch (t) {
    case ExportTarget::Encoder: return "encoder";
    case ExportTarget::Decoder: return "decoder";
    case ExportTarget::Force: return "force";
    case ExportTarget::FreeEnergy: return "free-energy";
  }
  return "?";
}

ExportInfo export_torchscript(const Model& model, ExportTarget target, const std::string& path) {
  const Model::Impl& m = model.impl();
  const int64_t d = m.options.latent_dim;
  const std::string kind = model_display_name(m.options.model);
  ExportInfo info;
  info.target = target;
  ScriptWriter w;
  switch (target) {
    case ExportTarget::Encoder:
      info.inputs = shape_product(m.input_shape);
      info.outputs = d;
      info.input_names = m.feature_names;
      if (!m.input_scaling.empty()) {  // option standardize: the network sees standardised features
        const std::string shift = w.tensor("input_shift", torch::tensor(m.input_scaling.shift, torch::kFloat64));
        const std::string scale = w.tensor("input_scale", torch::tensor(m.input_scaling.scale, torch::kFloat64));
        w.line("x = (x - " + shift + ") / " + scale);
      }
      m.encoder->write_script(w, "encoder", "x", "z");
      // The VAEs' encoders give (mean, log-variance): the mean is the coordinate.
      w.line(std::string("return z") + (m.variational() ? "[:, 0:" + std::to_string(d) + "]" : ""));
      break;
    case ExportTarget::Decoder:
      info.inputs = d;
      info.outputs = shape_product(m.target_shape);
      m.decoder->write_script(w, "decoder", "x", "y");
      if (m.target_scaling.empty()) {
        w.line("return y.flatten(1)");
      } else {
        const std::string shift = w.tensor("target_shift", torch::tensor(m.target_scaling.shift, torch::kFloat64));
        const std::string scale = w.tensor("target_scale", torch::tensor(m.target_scaling.scale, torch::kFloat64));
        w.line("return y.flatten(1) * " + scale + " + " + shift);
      }
      break;
    case ExportTarget::Force:
      if (!m.has_dynamics()) {
        throw ConfigError("export: the " + kind + " model has no learned force field (only DynAE and SDE-VAE)");
      }
      info.inputs = info.outputs = d;
      if (m.prior->conservative()) {  // f = -grad U, written out layer by layer
        m.prior->potential_net()->write_gradient_script(w, "potential", "x", "g");
        w.line("return -g");
      } else {
        m.prior->force_net()->write_script(w, "force", "x", "f");
        w.line("return f");
      }
      break;
    case ExportTarget::FreeEnergy:
      if (!m.has_dynamics() || !m.prior->conservative()) {
        throw ConfigError("export: the " + kind + " model has no free energy of its own (its force field is not "
                          "constrained to be conservative: train with --force-field conservative); export --what "
                          "force, or use dynae landscape's histogram");
      }
      info.inputs = d;
      info.outputs = 1;
      m.prior->potential_net()->write_script(w, "potential", "x", "u");
      w.line("return u");
      break;
  }
  torch::jit::Module module("dynae_" + std::string(export_target_name(target) == std::string("free-energy")
                                                       ? "free_energy"
                                                       : export_target_name(target)));
  for (const auto& [name, t] : w.tensors) module.register_buffer(name, t);
  module.register_attribute("inputs", c10::IntType::get(), c10::IValue(info.inputs));
  module.register_attribute("outputs", c10::IntType::get(), c10::IValue(info.outputs));
  module.register_attribute("what", c10::StringType::get(), c10::IValue(std::string(export_target_name(target))));
  c10::List<std::string> names;
  for (const auto& n : info.input_names) names.push_back(n);
  module.register_attribute("feature_names", c10::ListType::ofStrings(), c10::IValue(names));
  module.define("def forward(self, x: Tensor) -> Tensor:\n" + w.code);
  module.eval();
  write_atomically(path, [&](const std::string& tmp) { module.save(tmp); });
  return info;
}

void check_plumed_label(const std::string& label) {
  bool ok = !label.empty() && (std::isalpha(static_cast<unsigned char>(label[0])) || label[0] == '_');
  for (char c : label) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-');
  if (!ok) {
    throw ConfigError("--label '" + label +
                      "' is not a PLUMED label: expected a letter or '_' first, then letters, digits, '_' or '-'");
  }
}

std::string plumed_lines(const ExportInfo& info, const std::string& path, const std::string& label) {
  check_plumed_label(label);
  std::string args;
  for (int64_t i = 0; i < info.inputs; ++i) {
    args += (i ? "," : "") + (i < static_cast<int64_t>(info.input_names.size()) ? info.input_names[i] : "f" + std::to_string(i));
  }
  std::string out = label + ": PYTORCH_MODEL FILE=" + path + " ARG=" + args + "\n";
  std::string comps;
  for (int64_t j = 0; j < info.outputs; ++j) comps += (j ? "," : "") + label + ".node-" + std::to_string(j);
  out += "PRINT ARG=" + comps + " STRIDE=100 FILE=COLVAR_" + label + "\n";
  return out;
}

}  // namespace dynae
