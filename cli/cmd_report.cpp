// dynae report: one self-contained HTML page for a training run.
#include <cstdio>
#include <memory>

#include "commands.h"
#include "number_option.h"
#include "dynae/output_plan.h"
#include "dynae/experiments/run_directory.h"
#include "dynae/experiments/report.h"
#include "dynae/runtime.h"

namespace dynae::cli {
namespace {

struct ReportArgs {
  std::string run;
  ReportOptions options;
  int64_t threads = 1;
};

}  // namespace

void add_report_command(CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "report", "write RUN_DIR/report.html: metrics, free energy, force field, generated dynamics, kinetics, training curves");
  cmd->add_option("run_dir", args->run, "a training run's output directory")->required();
  cmd->add_option("--truth,-t", args->options.truth_paths, "ground truth .npy per input: metrics and latent-vs-truth figure");
  cmd->add_option("--align", args->options.align_with,
                  "other runs' directories or latent .npy files of the same frames: an alignment section (disparity, "
                  "CKA, consensus)");
  add_number(cmd, "--steps", args->options.generate_steps, "learned-dynamics steps [as many as the data has frames]", 1,
             kMaxCount);
  add_number(cmd, "--seed", args->options.seed, "noise seed of the generated dynamics", 0, kMaxSeed)
      ->capture_default_str();
  add_number(cmd, "--kinetics-bootstrap", args->options.kinetics.its.bootstrap,
             "bootstrap samples of the Kinetics section's timescales", 0, 100000)
      ->capture_default_str();
  add_number(cmd, "--threads", args->threads, "threads (0 = one per core)", 0, 1024)->capture_default_str();
  add_landscape_options(cmd, args->options.landscape);
  cmd->footer("Figures (PNG and SVG) go to RUN_DIR/report/; the page embeds the SVGs, so it opens on its own.");
  cmd->callback([args] {
    // The report is the run's own derived output (rewritten each time); no
    // input may lie among its files.
    OutputPlan plan("report", true);
    for (const auto& p : args->options.truth_paths) plan.input("--truth", p);
    for (const auto& p : args->options.align_with) plan.input("--align", p);
    plan.folder("run_dir", args->run, {"report.html", "report/"});
    plan.check();
    set_num_threads(args->threads);
    const std::string path = write_report(args->run, args->options);
    std::printf("report: %s (figures in %s/report/)\n", path.c_str(), args->run.c_str());
    if (!is_finished_run(args->run)) {
      std::printf("warning: '%s' is an unfinished run (killed or interrupted): the report shows its last checkpoint; "
                  "dynae train --resume %s completes it\n", args->run.c_str(), args->run.c_str());
    }
  });
}

}  // namespace dynae::cli
