// dynae ramachandran: learned coordinates of a dipeptide judged against its
// backbone dihedrals (phi-sign classifier, basin purity, MSM timescales, VAMP-2).
#include <cstdio>
#include <memory>

#include "commands.h"
#include "number_option.h"
#include "dynae/output_plan.h"
#include "dynae/errors.h"
#include "dynae/experiments/ramachandran.h"

namespace dynae::cli {
namespace {

struct RamachandranArgs {
  std::vector<std::string> truth, latents;
  std::string out = "ramachandran";
  RamachandranOptions options;
  bool overwrite = false;
};

void run(const RamachandranArgs& a) {
  a.options.validate();
  if (a.truth.empty()) throw ConfigError("ramachandran: --truth is required: (phi, psi) .npy per trajectory");
  // NAME=FILE[,FILE...] items, each name once: the names are the table's rows.
  std::vector<std::pair<std::string, std::vector<std::string>>> specs;
  for (const auto& item : a.latents) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size()) {
      throw ConfigError("ramachandran: --latent '" + item +
                        "' is invalid: expected NAME=FILE.npy[,FILE.npy...] (one file per trajectory)");
    }
    const std::string name = item.substr(0, eq);
    for (const auto& [seen, files] : specs) {
      if (seen == name) {
        throw ConfigError("ramachandran: two --latent items are named '" + name +
                          "'; give each latent its own name (its row in the table)");
      }
    }
    std::vector<std::string> files;
    std::string rest = item.substr(eq + 1);
    for (size_t start = 0; start <= rest.size();) {
      const size_t comma = rest.find(',', start);
      files.push_back(rest.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    specs.emplace_back(name, files);
  }
  OutputPlan plan("ramachandran", a.overwrite);
  for (const auto& p : a.truth) plan.input("--truth", p);
  for (const auto& [name, files] : specs) {
    for (const auto& f : files) plan.input("--latent " + name, f);
  }
  plan.folder("--out", a.out, ramachandran_output_names());
  plan.check();
  std::vector<std::pair<std::string, std::vector<Array>>> latents;
  for (const auto& [name, files] : specs) latents.emplace_back(name, read_finite_arrays(files));
  const RamachandranResult r = assess_against_ramachandran(read_finite_arrays(a.truth), latents, a.options);
  write_ramachandran(a.out, r);
  std::printf("%s\nwrote %s/ramachandran.md and ramachandran.csv\n", ramachandran_table(r).c_str(), a.out.c_str());
}

}  // namespace

void add_ramachandran_command(CLI::App& app) {
  auto a = std::make_shared<RamachandranArgs>();
  CLI::App* cmd = app.add_subcommand(
      "ramachandran", "judge latents of a dipeptide against (phi, psi): phi-sign classifier, basins, MSM ITS, VAMP-2");
  cmd->add_option("--truth,-t", a->truth, "(phi, psi) .npy in radians per trajectory (dynae simulate --out-truth)");
  cmd->add_option("--latent,-l", a->latents, "NAME=FILE.npy[,FILE...] a latent per trajectory (repeat)");
  add_number(cmd, "--lag", a->options.lag, "lag of the MSMs and VAMP-2, frames", 1, kMaxCount)->capture_default_str();
  add_number(cmd, "--clusters", a->options.clusters, "k-means centres of every MSM", 2, 10000)->capture_default_str();
  add_number(cmd, "--dt-frame", a->options.dt_frame, "time of one frame, for timescales in physical units", kPositive,
             kHuge, "a time > 0")
      ->capture_default_str();
  cmd->add_option("--time-unit", a->options.time_unit, "name of the time unit of --dt-frame")->capture_default_str();
  add_number(cmd, "--seed", a->options.seed, "k-means seed", 0, kMaxSeed)->capture_default_str();
  add_landscape_options(cmd, a->options.landscape);
  cmd->add_option("--out,-o", a->out, "output directory")->capture_default_str();
  cmd->add_flag("--overwrite", a->overwrite, "replace the files of an earlier ramachandran in --out");
  cmd->callback([a] { run(*a); });
}

}  // namespace dynae::cli
