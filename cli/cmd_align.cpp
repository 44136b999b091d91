// dynae align: pairwise alignment (Procrustes disparity, CKA, mutual
// neighbours) of several runs' latents, and their consensus.
#include <cstdio>
#include <memory>

#include "commands.h"
#include "number_option.h"
#include "dynae/errors.h"
#include "dynae/experiments/alignment_report.h"
#include "dynae/output_plan.h"

namespace dynae::cli {
namespace {

struct AlignArgs {
  std::vector<std::string> inputs, groups;
  std::string out = "align";
  int64_t neighbours = 10;
  bool overwrite = false;
};

void run(const AlignArgs& a) {
  if (a.inputs.size() < 2) throw ConfigError("align: give at least two runs or latent .npy files");
  if (!a.groups.empty() && a.groups.size() != a.inputs.size()) {
    throw ConfigError("align: --groups has " + std::to_string(a.groups.size()) + " names for " +
                      std::to_string(a.inputs.size()) + " runs (expected one per run, in order)");
  }
  OutputPlan plan("align", a.overwrite);
  for (const auto& p : a.inputs) plan.input("RUN", p);
  plan.folder("--out", a.out, alignment_output_names());
  plan.check();
  std::vector<Array> latents;
  for (const auto& p : a.inputs) latents.push_back(read_latent(p));
  const AlignmentReport report = align_latent_set(a.inputs, latents, a.groups, a.neighbours);
  write_alignment(a.out, report);
  std::printf("%s", alignment_summary(report).c_str());
  std::printf("wrote %s/align.md, align.csv, align.png, consensus_latent.npy\n", a.out.c_str());
}

}  // namespace

void add_align_command(CLI::App& app) {
  auto args = std::make_shared<AlignArgs>();
  CLI::App* cmd = app.add_subcommand(
      "align", "how alike several runs' latents are (seeds, architectures, models): Procrustes disparity, CKA, "
               "mutual neighbours per pair, and their consensus");
  cmd->add_option("runs", args->inputs, "run directories (their latent_traj*.npy, in order) or latent .npy files "
                                        "of the same frames")
      ->required();
  cmd->add_option("--out,-o", args->out, "output directory")->capture_default_str();
  cmd->add_option("--groups", args->groups, "a group name per run (e.g. the model), for within / between summaries")
      ->delimiter(',');
  add_number(cmd, "--neighbours", args->neighbours, "neighbours of the mutual-neighbour overlap", 1, 1000)
      ->capture_default_str();
  cmd->add_flag("--overwrite", args->overwrite, "replace the files of an earlier alignment in --out");
  cmd->callback([args] { run(*args); });
}

}  // namespace dynae::cli
