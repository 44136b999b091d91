#include <cstdio>
#include <fstream>
#include <map>
#include <memory>

#include "commands.h"
#include "number_option.h"
#include "dynae/config/run_settings.h"
#include "dynae/errors.h"
#include "dynae/experiments/run.h"
#include "dynae/experiments/sweep.h"
#include "dynae/experiments/report.h"
#include "dynae/runtime.h"
#include "dynae/training/communicator.h"

namespace dynae::cli {
namespace {

struct TrainArgs {
  std::string config, resume;
  std::string out = "dynae_out";
  bool out_given = false;
  bool quiet = false, reuse = false, report = false, overwrite = false;
  std::vector<std::string> inputs, targets, truth;
  std::map<std::string, std::string> values;  // flag -> text
  // Beyond one process: a data-parallel rank, a sweep's shard, the collect step.
  DistributedSettings dist;
  bool dist_flags = false;  // --world-size / --rank given: the flags, not the environment
  int64_t emulate_shards = 0;
  std::string shard;
  bool collect = false;
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

/// The flags' values on top of `spec`.
void apply_flags(const TrainArgs& a, ConfigSpec& spec) {
  if (!a.inputs.empty()) spec.set("input_data", a.inputs, "--input");
  if (!a.targets.empty()) spec.set("target_data", a.targets, "--target");
  for (const auto& option : run_option_table()) {
    auto it = a.values.find(option.info.flag);
    if (option.info.flag.empty() || it == a.values.end() || it->second.empty()) continue;
    spec.set(option.info.key, it->second, "--" + option.info.flag);
  }
}

/// --resume RUN: the run's own settings; flags may repeat them, not change them.
std::vector<RunSettings> resumed_run(const TrainArgs& a) {
  if (!a.config.empty()) throw ConfigError("--resume takes the run's settings from its config.ini; drop --config");
  if (a.overwrite) throw ConfigError("--resume continues a run and --overwrite replaces it: give one of them");
  if (a.out_given && a.out != a.resume) throw ConfigError("--resume " + a.resume + " writes into that run; drop --out");
  const std::string ini = a.resume + "/config.ini";
  if (!std::ifstream(ini)) throw ConfigError("--resume: '" + a.resume + "' holds no run (no config.ini)");
  ConfigSpec spec;
  read_ini_config(ini, spec);
  const std::vector<RunSettings> runs = spec.expand();
  ConfigSpec given = spec;
  apply_flags(a, given);
  const std::vector<RunSettings> with_flags = given.expand();
  if (with_flags.size() != 1 || to_ini(with_flags[0]) != to_ini(runs.at(0))) {
    throw ConfigError("--resume continues '" + a.resume + "' with the settings of its config.ini; the flags given "
                      "change them (drop them, or start a new run)");
  }
  return runs;
}

/// The process group this process joins: the flags, else torchrun's or
/// Slurm's environment; none for world size 1.
std::unique_ptr<Communicator> join(const TrainArgs& a, DataParallel& parallel) {
  DistributedSettings d = a.dist;
  if (a.dist_flags) {
    d.source = "flags";
  } else {
    const DistributedSettings env = distributed_from_environment();
    d.world_size = env.world_size;
    d.rank = env.rank;
    d.source = env.source;
    if (env.source != "default") {
      d.master_addr = env.master_addr;
      d.master_port = env.master_port;
    }
  }
  check_distributed(d);
  if (a.emulate_shards < 0) {
    throw ConfigError("--data-parallel-shards " + std::to_string(a.emulate_shards) + ": expected 1 or more");
  }
  if (a.emulate_shards > 0) {
    if (d.world_size > 1) throw ConfigError("--data-parallel-shards computes every rank's shard in one process: not with --world-size > 1");
    parallel.shards = a.emulate_shards;
    return nullptr;
  }
  if (d.world_size == 1) return nullptr;
  std::unique_ptr<Communicator> comm = connect(d);
  parallel.comm = comm.get();
  parallel.shards = d.world_size;
  return comm;
}

void run(const TrainArgs& a) {
  catch_interrupts();  // SIGINT / SIGTERM: stop after the step, checkpoint consistent, exit 128 + signal
  std::vector<RunSettings> runs;
  if (!a.resume.empty()) {
    runs = resumed_run(a);
  } else {
    ConfigSpec spec;
    if (!a.config.empty()) read_ini_config(a.config, spec);
    apply_flags(a, spec);
    runs = spec.expand();
  }
  const std::string out = a.resume.empty() ? a.out : a.resume;
  SweepOptions o;
  o.truth_paths = a.truth;
  o.progress = a.quiet ? nullptr : stderr;
  o.reuse = a.reuse || !a.resume.empty();
  o.overwrite = a.overwrite;
  o.collect = a.collect;
  choose_sweep_shard(a.shard, runs.size(), o);
  const std::unique_ptr<Communicator> comm = a.collect ? nullptr : join(a, o.parallel);
  const bool rank0 = !comm || comm->rank() == 0;
  if (runs.size() > 1 && rank0 && !a.collect) {
    std::fprintf(stderr, "%zu runs (one per combination of listed values)\n", runs.size());
  }
  const std::vector<SweepRun> done = run_sweep(runs, out, o);
  if (!rank0) return;  // rank 0 reports
  for (const auto& r : done) {
    std::printf("%s: %s, %lld epochs in %.1f s", r.dir.c_str(), model_display_name(r.options.model).c_str(),
                static_cast<long long>(r.epochs), r.seconds);
    if (r.has_metrics) {
      std::printf("; R^2 %.4f, disparity %.4f, anisotropy %.3f", r.metrics.r2, r.metrics.disparity,
                  r.metrics.anisotropy);
    }
    std::printf("\n");
  }
  if (runs.size() > 1 && o.shards == 1) {
    std::printf("summary: %s/summary.md and %s/summary.csv\n", out.c_str(), out.c_str());
  }
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
  cmd->add_option("--out,-o", args->out, "output directory")->capture_default_str()->each([args](const std::string&) {
    args->out_given = true;
  });
  cmd->add_option("--resume", args->resume,
                  "continue the unfinished (killed or interrupted) run in this directory from its last checkpoint, "
                  "with its own settings; the result is the uninterrupted run's");
  cmd->add_flag("--overwrite", args->overwrite, "replace a run (finished or not) already in the output directory");
  cmd->add_flag("--quiet,-q", args->quiet, "no progress output");
  cmd->add_flag("--report", args->report,
                "write report.html (figures, metrics with --truth, generated dynamics) into each run directory");
  cmd->add_flag("--reuse", args->reuse,
                "skip runs whose directory holds a finished run with the same configuration, and resume unfinished "
                "ones (continue a sweep)");
  for (const auto& option : run_option_table()) {
    if (option.info.flag.empty()) continue;
    cmd->add_option("--" + option.info.flag, args->values[option.info.flag], flag_help(option));
  }
  const char* group = "Beyond one process";
  auto dist_flag = [args](const auto&) { args->dist_flags = true; };
  add_number(cmd, "--world-size", args->dist.world_size,
                  "data-parallel training over this many processes (ranks), each batch split between them; default: "
                  "torchrun's WORLD_SIZE, else Slurm's SLURM_STEP_NUM_TASKS (an srun step), else 1", 1, 65536)
      ->group(group)->each(dist_flag);
  add_number(cmd, "--rank", args->dist.rank, "this process's rank, 0 .. world size - 1 (torchrun: RANK; Slurm: SLURM_PROCID)",
             0, 65535)
      ->group(group)->each(dist_flag);
  cmd->add_option("--master-addr", args->dist.master_addr,
                  "host of rank 0, which serves the rendezvous (torchrun: MASTER_ADDR; Slurm: the job's first node)")
      ->capture_default_str()->group(group);
  add_number(cmd, "--master-port", args->dist.master_port, "TCP port of the rendezvous on rank 0 (MASTER_PORT)", 1, 65535)
      ->capture_default_str()->group(group);
  add_number(cmd, "--dist-timeout", args->dist.timeout_seconds,
             "seconds a rank waits for the others (rendezvous, each step) before it stops with an error", 1, 1e6)
      ->capture_default_str()->group(group);
  cmd->add_option("--dist-backend", args->dist.backend,
                  "gloo: Gloo's ring allreduce on the training thread; c10d: through c10d::ProcessGroupGloo (slower "
                  "per step); nccl: needs a CUDA LibTorch")
      ->capture_default_str()->group(group);
  add_number(cmd, "--data-parallel-shards", args->emulate_shards,
             "compute each batch as this many ranks would, one shard after another in this one process (the "
             "same numbers as --world-size N; for testing)",
             1, 65536)
      ->group(group);
  cmd->add_option("--shard", args->shard,
                  "I/N: run only the sweep's runs j with j % N == I (an array job's task; default under Slurm: "
                  "SLURM_ARRAY_TASK_ID of SLURM_ARRAY_TASK_COUNT); shards may run at once into one --out")
      ->group(group);
  cmd->add_flag("--collect", args->collect,
                "train nothing: write the sweep's summary from its finished runs, and list (exit 1) the runs "
                "that are not finished")
      ->group(group);
  cmd->callback([args] { run(*args); });
  cmd->footer(
      "Every run writes config.ini, model.pt, losses.csv, train.log, latent_traj<i>.npy,\n"
      "reconstruction_traj<i>.npy and cluster_centers.npy into its output directory (VAE, SDE-VAE:\n"
      "also latent_logvar_traj<i>.npy; TICA: tica_eigenvalues.npy). Listed values run a sweep: one\n"
      "sub-directory per combination, and summary.md / summary.csv in the output directory.\n"
      "A directory is locked while a run works in it; finished.txt, written last, marks a whole run.\n"
      "A run already there is replaced only with --overwrite. Ctrl-C (SIGINT) or SIGTERM stops after\n"
      "the current step and exits 130 / 143; checkpoint.pt (written every epoch) lets --resume RUN\n"
      "continue a killed or interrupted run to the same result as an uninterrupted one.");
}

}  // namespace dynae::cli
