// dynae compare: trains every model on the same data for several seeds, scores
// each latent against the truth and the seeds against each other, and writes
// the comparison table (Markdown and CSV).
#include <cstdio>
#include <memory>
#include <sstream>

#include "commands.h"
#include "number_option.h"
#include "dynae/output_plan.h"
#include "dynae/experiments/comparison.h"
#include "dynae/config/run_settings.h"
#include "dynae/errors.h"
#include "dynae/experiments/alignment_report.h"
#include "dynae/experiments/sweep.h"

namespace dynae::cli {
namespace {

struct CompareArgs {
  std::string config, out = "dynae_compare", models = "dynae,vae,swae,sdevae,tae,tica", seeds = "0,1,2";
  std::vector<std::string> inputs, truth, sets;
  int64_t epochs = 0;
  int64_t threads = 1;
  bool quiet = false, reuse = false, overwrite = false;
  std::string shard;     // I/N: this array task's share of the runs
  bool collect = false;  // the tables from the finished runs
};

/// "vae:beta=1:d=3" -> name "vae", overrides {beta: 1, d: 3}.
struct ModelSpec {
  std::string model;  ///< canonical
  std::vector<std::pair<std::string, std::string>> overrides;
  std::string display;  ///< "VAE (beta=1)"
  std::string dir;      ///< "vae_beta=1"
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, sep)) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::pair<std::string, std::string> key_value(const std::string& kv, const std::string& origin) {
  const size_t eq = kv.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == kv.size()) {
    throw ConfigError(origin + ": expected KEY=VALUE, got '" + kv + "'");
  }
  return {kv.substr(0, eq), kv.substr(eq + 1)};
}

std::vector<ModelSpec> parse_models(const std::string& text) {
  std::vector<ModelSpec> specs;
  for (const auto& item : split(text, ',')) {
    const std::vector<std::string> parts = split(item, ':');
    ModelSpec m;
    m.model = canonical_model_name(parts.at(0));
    if (m.model.empty()) {
      throw ConfigError("--models: unknown model '" + parts[0] + "'; expected dynae, vae, swae, sdevae, tae or tica, "
                        "each optionally with :KEY=VALUE overrides such as vae:beta=1");
    }
    m.display = model_display_name(m.model);
    m.dir = m.model;
    std::string extra;
    for (size_t i = 1; i < parts.size(); ++i) {
      m.overrides.push_back(key_value(parts[i], "--models " + item));
      extra += (extra.empty() ? "" : ", ") + parts[i];
      m.dir += "_" + parts[i];
    }
    if (!extra.empty()) m.display += " (" + extra + ")";
    specs.push_back(m);
  }
  if (specs.empty()) throw ConfigError("--models: no model given");
  return specs;
}

void run(const CompareArgs& a) {
  if (a.truth.empty()) throw ConfigError("--truth is required: the comparison scores each latent against it");
  ConfigSpec base;
  if (!a.config.empty()) read_ini_config(a.config, base);
  if (!a.inputs.empty()) base.set("input_data", a.inputs, "--input");
  if (a.epochs > 0) base.set("max_epochs", std::to_string(a.epochs), "--epochs");
  base.set("threads", std::to_string(a.threads), "--threads");
  base.set("SaveTrajResults", "False", "compare");
  for (const auto& kv : a.sets) {
    const auto [k, v] = key_value(kv, "--set");
    base.set(k, v, "--set " + kv);
  }
  const std::vector<ModelSpec> specs = parse_models(a.models);
  const std::vector<std::string> seeds = split_list(a.seeds);
  if (seeds.empty()) throw ConfigError("--seeds: no seed given");

  std::vector<RunSettings> runs;
  std::vector<std::string> names;
  for (const auto& m : specs) {
    for (const auto& seed : seeds) {
      ConfigSpec s = base;
      s.set("model", m.model, "--models");
      for (const auto& [k, v] : m.overrides) s.set(k, v, "--models " + m.dir);
      s.set("seed", seed, "--seeds");
      std::vector<RunSettings> one = s.expand();
      if (one.size() != 1) {
        throw ConfigError("compare runs one training per model and seed: lists in --config or --set (" +
                          one[1].label + ") are not allowed here; use `dynae train` for sweeps");
      }
      one[0].label = m.dir + "/seed" + seed;
      for (const auto& earlier : runs) {
        if (earlier.label == one[0].label) {
          throw ConfigError("compare: the run " + one[0].label + " is asked twice (--models '" + a.models +
                            "', --seeds '" + a.seeds + "'); name each model and seed once");
        }
      }
      runs.push_back(one[0]);
      names.push_back(m.display);
    }
  }
  {
    // The tables are the comparison's own outputs (rewritten); no input among them.
    OutputPlan plan("compare", true);
    for (const auto& p : a.inputs) plan.input("--input", p);
    for (const auto& p : a.truth) plan.input("--truth", p);
    plan.folder("--out", a.out, {"comparison.md", "comparison.csv", "summary.md", "summary.csv", "align/"});
    plan.check();
  }
  std::fprintf(stderr, "%zu models x %zu seeds = %zu runs -> %s\n", specs.size(), seeds.size(), runs.size(),
               a.out.c_str());
  SweepOptions o;
  o.truth_paths = a.truth;
  o.progress = a.quiet ? nullptr : stderr;
  o.reuse = a.reuse;
  o.overwrite = a.overwrite;
  o.collect = a.collect;
  choose_sweep_shard(a.shard, runs.size(), o);
  const std::vector<SweepRun> done = run_sweep(runs, a.out, o);
  if (o.shards > 1) {
    std::printf("shard %lld/%lld: %zu run(s) done; when every shard has finished, the same command with --collect "
                "writes the tables\n", static_cast<long long>(o.shard), static_cast<long long>(o.shards), done.size());
    return;
  }
  const std::vector<ComparisonRow> rows = summarize_comparison(names, done);
  const std::string md = comparison_markdown(rows);
  write_comparison(a.out, rows);
  std::printf("%s\nper run: %s/summary.md; table: %s/comparison.md and %s/comparison.csv\n", md.c_str(),
              a.out.c_str(), a.out.c_str(), a.out.c_str());
  // Alignment of every run's latent with every other's, within and between
  // the models (an architecture axis is a model spec with overrides).
  std::vector<std::string> labels, groups;
  std::vector<Array> latents;
  for (size_t i = 0; i < done.size(); ++i) {
    if (done[i].latent.shape.empty()) continue;
    labels.push_back(done[i].label.empty() ? done[i].dir : done[i].label);
    groups.push_back(labels.back().substr(0, labels.back().rfind('/')));
    latents.push_back(done[i].latent);
  }
  if (latents.size() >= 2) {
    const AlignmentReport alignment = align_latent_set(labels, latents, groups);
    write_alignment(a.out + "/align", alignment);
    std::printf("alignment (%s/align/align.md):\n%s", a.out.c_str(), alignment_summary(alignment).c_str());
  }
}

}  // namespace

void add_compare_command(CLI::App& app) {
  auto args = std::make_shared<CompareArgs>();
  CLI::App* cmd = app.add_subcommand(
      "compare", "train DynAE and the baselines on the same data over several seeds and tabulate how each "
                 "recovers the truth");
  cmd->add_option("--input,-i", args->inputs, "input trajectory .npy (repeat for several)");
  cmd->add_option("--truth,-t", args->truth, "ground-truth slow coordinates .npy, one per input")->required();
  cmd->add_option("--models,-m", args->models,
                  "models, comma-separated, each optionally with :KEY=VALUE overrides (e.g. vae:beta=1)")
      ->capture_default_str();
  cmd->add_option("--seeds,-s", args->seeds, "seeds, comma-separated")->capture_default_str();
  add_number(cmd, "--epochs,-e", args->epochs, "epochs per neural model [the configuration's, 50 by default]", 1, 1e6);
  cmd->add_option("--config,-c", args->config, "INI config shared by every run (no lists)");
  cmd->add_option("--set", args->sets, "KEY=VALUE for every run, a configuration key (repeatable), e.g. beta=10");
  add_number(cmd, "--threads", args->threads, "LibTorch + OpenBLAS threads per run (0 = auto)", 0, 1024)
      ->capture_default_str();
  cmd->add_option("--out,-o", args->out, "output directory")->capture_default_str();
  cmd->add_flag("--quiet,-q", args->quiet, "no progress output");
  cmd->add_flag("--overwrite", args->overwrite, "replace runs already in the output directory");
  cmd->add_option("--shard", args->shard,
                  "I/N: train only the runs j with j % N == I (an array job's task; default under Slurm: "
                  "SLURM_ARRAY_TASK_ID of SLURM_ARRAY_TASK_COUNT); shards may run at once into one --out");
  cmd->add_flag("--collect", args->collect,
                "train nothing: the tables from the finished runs; lists (exit 1) the runs not finished");
  cmd->add_flag("--reuse", args->reuse,
                "do not retrain a run whose directory holds a finished run with the same configuration "
                "(resume a cut-off comparison, or tabulate runs done by several processes)");
  cmd->footer(
      "Writes OUT/<model>/seed<s>/ (each a full training run), OUT/summary.md|csv (one row per run) and\n"
      "OUT/comparison.md|csv: per model, mean ± sd over seeds of R^2, Procrustes disparity and anisotropy\n"
      "against the truth, the disparity between seeds' latents (uniqueness), step variance and wall time.");
  cmd->callback([args] { run(*args); });
}

}  // namespace dynae::cli
