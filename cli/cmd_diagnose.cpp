// dynae diagnose RUN: what a run's dynamics could not identify (exit 3 when a
// latent direction relaxes within one lag), without ground truth.
#include <sys/stat.h>

#include <cstdio>
#include <memory>

#include "commands.h"
#include "dynae/analysis/identifiability.h"
#include "dynae/errors.h"
#include "dynae/experiments/alignment_report.h"
#include "dynae/models/model.h"

namespace dynae::cli {
namespace {

void run(const std::string& dir) {
  struct stat st;
  const bool is_dir = ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  const std::string path = is_dir ? dir + "/model.pt" : dir;
  if (::stat(path.c_str(), &st) != 0) {
    throw DataError("diagnose: '" + path + "' does not exist (expected a run directory of dynae train, or its model.pt)");
  }
  const Model model = Model::load(path);
  if (!model.has_dynamics()) {
    throw ConfigError("diagnose: '" + path + "' is a " + model_display_name(model.model_name()) +
                      ", which has no learned latent dynamics to diagnose (DynAE and SDE-VAE have)");
  }
  Identifiability id = model.identifiability();
  if (!id.measured()) {  // a model from before the diagnosis: from the run's latents
    if (!is_dir) throw DataError("diagnose: '" + path + "' holds no diagnosis; give its run directory (its latents)");
    id = diagnose_identifiability(model, {read_latent(dir)});
    std::printf("(computed now from %s/latent_traj*.npy: the model predates the stored diagnosis)\n", dir.c_str());
  }
  std::printf("%s", identifiability_text(id, model.options().lag).c_str());
  if (!id.flagged().empty()) throw CLI::RuntimeError(3);
}

}  // namespace

void add_diagnose_command(CLI::App& app) {
  auto dir = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "diagnose", "what a run's dynamics could not identify: kappa (relaxation per lag) per latent direction, the "
                  "measured diffusion, the halves' agreement; exit 3 when a direction relaxes within one lag");
  cmd->add_option("run", *dir, "a run directory of dynae train (or its model.pt)")->required();
  cmd->callback([dir] { run(*dir); });
}

}  // namespace dynae::cli
