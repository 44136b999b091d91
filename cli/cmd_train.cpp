#include <cstdio>
#include <map>
#include <memory>

#include "commands.h"
#include "dynae/config/run_settings.h"
#include "dynae/errors.h"
#include "dynae/experiments/run.h"
#include "dynae/experiments/sweep.h"
#include "dynae/experiments/report.h"

namespace dynae::cli {
namespace {

struct TrainArgs {
  std::string config;
  std::string out = "dynae_out";
  bool quiet = false, reuse = false, report = false;
  std::vector<std::string> inputs, targets, truth;
  std::map<std::string, std::string> values;  // flag -> text
};

/// An option's flag help: its help text, the values it takes, its default
/// and that a list sweeps.
std::string flag_help(const BoundOption<RunSettings>& option) {
  static const RunSettings defaults;
  std::string help = option.info.help;
  if (option.info.choices) help += ": " + option.info.choice_list();
  if (option.info.type == OptionType::Names || option.info.type == OptionType::Paths) return help + " (comma list)";
  return help + " [" + option.info.ini_text(option.get(defaults)) + "]; a list such as 0,1,2 runs a sweep";
}

void run(const TrainArgs& a) {
  ConfigSpec spec;
  if (!a.config.empty()) read_ini_config(a.config, spec);
  if (!a.inputs.empty()) spec.set("input_data", a.inputs, "--input");
  if (!a.targets.empty()) spec.set("target_data", a.targets, "--target");
  for (const auto& option : run_option_table()) {
    auto it = a.values.find(option.info.flag);
    if (option.info.flag.empty() || it == a.values.end() || it->second.empty()) continue;
    spec.set(option.info.key, it->second, "--" + option.info.flag);
  }
  const std::vector<RunSettings> runs = spec.expand();
  if (runs.size() > 1) std::fprintf(stderr, "%zu runs (one per combination of listed values)\n", runs.size());
  const std::vector<SweepRun> done = run_sweep(runs, a.out, a.truth, a.quiet ? nullptr : stderr, a.reuse);
  for (const auto& r : done) {
    std::printf("%s: %s, %lld epochs in %.1f s", r.dir.c_str(), model_display_name(r.options.model).c_str(),
                static_cast<long long>(r.epochs), r.seconds);
    if (r.has_metrics) {
      std::printf("; R^2 %.4f, disparity %.4f, anisotropy %.3f", r.metrics.r2, r.metrics.disparity,
                  r.metrics.anisotropy);
    }
    std::printf("\n");
  }
  if (done.size() > 1) std::printf("summary: %s/summary.md and %s/summary.csv\n", a.out.c_str(), a.out.c_str());
  if (a.report) {
    ReportOptions ro;
    ro.truth_paths = a.truth;
    for (const auto& r : done) std::printf("report: %s\n", write_report(r.dir, ro).c_str());
  }
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  CLI::App* cmd = app.add_subcommand("train", "train a DynAE (or a baseline) on .npy, PLUMED COLVAR or CSV trajectories");
  cmd->add_option("--config,-c", args->config,
                  "INI config (the reference implementation's format); flags override it");
  cmd->add_option("--input,-i", args->inputs, "input trajectory: .npy, PLUMED COLVAR or CSV / TSV with a header row (repeat for several)");
  cmd->add_option("--target", args->targets, "target trajectory .npy per input (default: the input)");
  cmd->add_option("--truth", args->truth,
                  "ground-truth .npy per input: each run is scored (R^2, disparity, anisotropy) in the summary");
  cmd->add_option("--out,-o", args->out, "output directory")->capture_default_str();
  cmd->add_flag("--quiet,-q", args->quiet, "no progress output");
  cmd->add_flag("--report", args->report,
                "write report.html (figures, metrics with --truth, generated dynamics) into each run directory");
  cmd->add_flag("--reuse", args->reuse,
                "skip runs whose directory holds a finished run with the same configuration (resume a sweep)");
  for (const auto& option : run_option_table()) {
    if (option.info.flag.empty()) continue;
    cmd->add_option("--" + option.info.flag, args->values[option.info.flag], flag_help(option));
  }
  cmd->callback([args] { run(*args); });
  cmd->footer(
      "Every run writes config.ini, model.pt, losses.csv, train.log, latent_traj<i>.npy,\n"
      "reconstruction_traj<i>.npy and cluster_centers.npy into its output directory (VAE, SDE-VAE:\n"
      "also latent_logvar_traj<i>.npy; TICA: tica_eigenvalues.npy). Listed values run a sweep: one\n"
      "sub-directory per combination, and summary.md / summary.csv in the output directory.");
}

}  // namespace dynae::cli
