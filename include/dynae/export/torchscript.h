#pragma once
// A trained model's networks as a TorchScript module that Python
// (torch.jit.load) and PLUMED's PYTORCH_MODEL can run: forward takes float32
// (N, inputs) and returns float32 (N, outputs), differentiable with respect
// to its input.
#include <cstdint>
#include <string>
#include <vector>

#include "dynae/models/model.h"

namespace dynae {

/// What is exported: the encoder x -> z (the posterior mean for the VAEs),
/// the decoder z -> x (flattened), the latent force field z -> f(z) (DynAE,
/// SDE-VAE), or the free energy z -> U(z), (N, 1) in kT up to a constant
/// (DynAE with force_field = conservative).
enum class ExportTarget { Encoder, Decoder, Force, FreeEnergy };

/// "encoder", "decoder", "force" or "free-energy"; ConfigError otherwise.
ExportTarget parse_export_target(const std::string& text);
const char* export_target_name(ExportTarget t);

struct ExportInfo {
  ExportTarget target = ExportTarget::Encoder;
  int64_t inputs = 0, outputs = 0;
  std::vector<std::string> input_names;  ///< the features' names when the model was trained on named columns
};

/// Writes the module to `path` (temporary file, then rename). It also holds
/// the attributes `inputs`, `outputs`, `what` and `feature_names` for
/// inspection. Throws ConfigError when the model has no such part (a TICA
/// model has no force; only a conservative force has a free energy) and Error for networks
/// without a TorchScript form (convolutional ones).
ExportInfo export_torchscript(const Model& model, ExportTarget target, const std::string& path);

/// The PLUMED input lines that load the exported encoder as collective
/// variables `label`.node-0 ... (PLUMED 2.9 PYTORCH_MODEL), with ARG= the
/// feature names (placeholders f0, f1, ... when the model has none).
std::string plumed_lines(const ExportInfo& info, const std::string& path, const std::string& label = "cv");
/// Throws ConfigError unless `label` is a PLUMED action label: a letter or
/// '_' first, then letters, digits, '_' or '-' (no spaces, no '.', which
/// PLUMED reserves for components).
void check_plumed_label(const std::string& label);

}  // namespace dynae
