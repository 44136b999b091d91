// dynae export: a trained model's encoder (or decoder, force field) as a
// TorchScript module for Python and PLUMED.
#include <cstdio>
#include <memory>

#include "commands.h"
#include "path_option.h"
#include "dynae/export/torchscript.h"
#include "dynae/models/model.h"
#include "dynae/output_plan.h"

namespace dynae::cli {
namespace {

struct ExportArgs {
  std::string model, out = "cv.pt", what = "encoder", label = "cv";
  bool overwrite = false;
};

void run(const ExportArgs& a) {
  const ExportTarget target = parse_export_target(a.what);
  check_plumed_label(a.label);
  OutputPlan plan("export", a.overwrite);
  plan.input("--model", a.model);
  plan.file("--out", a.out);
  plan.check();
  const Model model = Model::load(a.model);
  const ExportInfo info = export_torchscript(model, target, a.out);
  std::printf("exported the %s of %s: forward(x) takes float32 (N, %lld) and returns (N, %lld) -> %s\n",
              export_target_name(info.target), a.model.c_str(), static_cast<long long>(info.inputs),
              static_cast<long long>(info.outputs), a.out.c_str());
  if (info.target != ExportTarget::Encoder) return;
  if (info.input_names.empty()) {
    std::printf("\nThe model was trained on a .npy array: replace f0, f1, ... by the PLUMED values of its %lld "
                "input features, in order.\n",
                static_cast<long long>(info.inputs));
  }
  std::printf("\nPLUMED (2.9 or newer, built with LibTorch):\n\n%s", plumed_lines(info, a.out, a.label).c_str());
}

}  // namespace

void add_export_command(CLI::App& app) {
  auto args = std::make_shared<ExportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "export", "write a model's encoder (or decoder, force field) as TorchScript for Python and PLUMED PYTORCH_MODEL");
  cmd->add_option("--model,-m", args->model, "model checkpoint (model.pt of a run)")->required()->check(non_empty_path());
  cmd->add_option("--out,-o", args->out, "TorchScript file to write")->capture_default_str();
  cmd->add_option("--what", args->what, "encoder, decoder, force (DynAE, SDE-VAE) or free-energy")->capture_default_str();
  cmd->add_option("--label", args->label, "PLUMED label in the printed input")->capture_default_str();
  cmd->add_flag("--overwrite", args->overwrite, "replace an existing --out file (never the --model)");
  cmd->footer(
      "The module's forward takes float32 (N, inputs) in the original feature units and returns\n"
      "float32 (N, outputs); it is differentiable with respect to its input, as PLUMED needs for\n"
      "biasing. torch.jit.load(\"cv.pt\") in Python runs it; its attributes inputs, outputs, what and\n"
      "feature_names describe it.");
  cmd->callback([args] { run(*args); });
}

}  // namespace dynae::cli
