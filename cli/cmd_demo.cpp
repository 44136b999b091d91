// `dynae demo`: trains on the bundled warped three-state trajectory at the
// reference defaults and scores the latent against the bundled ground truth.
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <memory>

#include "commands.h"
#include "number_option.h"
#include "dynae/output_plan.h"
#include "dynae/analysis/metrics.h"
#include "dynae/data/npy.h"
#include "dynae/errors.h"
#include "dynae/experiments/run.h"
#include "dynae/runtime.h"
#include "metrics_table.h"

namespace dynae::cli {
namespace {

struct DemoArgs {
  std::string out = "dynae_demo_out";
  std::string data_dir;
  int64_t epochs = 50;
  uint64_t seed = 0;
  int64_t threads = 0;
  int64_t frames = 0;
  bool overwrite = false;
};

bool exists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0;
}

/// --data-dir when given (it must hold the file), else the bundled examples' data/.
std::string find_data_dir(const std::string& given) {
  const char* file = "three_state_transformed_traj_data200k.npy";
  const std::string dir = given.empty() ? examples_dir() + "/data" : given;
  if (!exists(dir + "/" + file)) {
    throw DataError("'" + dir + "' does not hold the bundled example data (" + file + "); pass --data-dir pointing at "
                    "the repository's examples/data");
  }
  return dir;
}

void run(const DemoArgs& a) {
  const std::string dir = find_data_dir(a.data_dir);
  const std::string input = dir + "/three_state_transformed_traj_data200k.npy";
  const std::string truth_path = dir + "/three_state_traj_data200k.npy";
  RunSettings s;
  s.options.epochs = a.epochs;
  s.options.seed = static_cast<uint64_t>(a.seed);
  s.threads = a.threads;
  s.input_paths = {input};
  Array truth = read_npy(truth_path);
  if (a.frames > truth.frames()) {
    throw ConfigError("demo: --frames " + std::to_string(a.frames) + " is invalid: the bundled trajectory has " +
                      std::to_string(truth.frames()) + " frames");
  }
  // Nothing is written before the output directory has passed every check.
  OutputPlan plan("demo", true);
  plan.folder("--out", a.out, run_output_names());
  plan.check();
  check_run_start(a.out, a.overwrite ? RunStart::Overwrite : RunStart::Fresh);
  if (a.frames > 0 && a.frames < truth.frames() && !a.overwrite && exists(a.out + "/input_subset.npy")) {
    throw ConfigError("demo: '" + a.out + "/input_subset.npy' exists and --frames would replace it; choose another "
                      "--out, or --overwrite replaces it");
  }
  if (a.frames > 0 && a.frames < truth.frames()) {
    // A shorter demo: train on the first `frames` frames only.
    make_directories(a.out);
    const std::string sub = a.out + "/input_subset.npy";
    write_npy(sub, read_npy(input).slice_frames(0, a.frames), NpyDtype::Float64);
    s.input_paths = {sub};
    truth = truth.slice_frames(0, a.frames);
  }
  std::fprintf(stderr,
               "dynae demo: DynAE on the warped three-state trajectory (x, y) -> (x, y + x^2)\n"
               "  data   %s\n  epochs %lld, seed %lld, reference defaults (d=2, h=32, beta=10, lr=1e-3, B=256)\n",
               input.c_str(), static_cast<long long>(a.epochs), static_cast<long long>(a.seed));
  const RunResult r = run_training(s, a.out, stderr, a.overwrite ? RunStart::Overwrite : RunStart::Fresh);
  const Array z = read_npy(r.latent_paths.front());
  const IdentifiabilityMetrics m = compare_latents(truth, z);
  std::printf("\nDynAE latent vs ground truth (%s), trained %.1f s:\n", truth_path.c_str(), r.seconds);
  MetricBars bars;
  bool ok = true;
  std::fputs(metrics_table(m, &bars, &ok).c_str(), stdout);
  std::printf("reference implementation (seed 0): r2 0.998, disparity 0.005, anisotropy 1.11, step variance ~2.1\n");
  std::printf("the warped input itself:           r2 0.78,  disparity 0.39,  anisotropy 3.06\n");
  std::printf("outputs in %s/ (latent_traj0.npy, model.pt, losses.csv, ...)\n", a.out.c_str());
}

}  // namespace

void add_demo_command(CLI::App& app) {
  auto args = std::make_shared<DemoArgs>();
  CLI::App* cmd = app.add_subcommand("demo", "train on the bundled three-state data and score the latent");
  cmd->add_option("--out,-o", args->out, "output directory")->capture_default_str();
  add_number(cmd, "--epochs", args->epochs, "epochs", 1, 1e6)->capture_default_str();
  add_number(cmd, "--seed", args->seed, "random seed", 0, kMaxSeed)->capture_default_str();
  add_number(cmd, "--threads", args->threads,
             "threads (0 = auto, as dynae train: one per 128 pairs of the batch, at most one per core) [0]", 0, 1024);
  add_number(cmd, "--frames", args->frames, "train on the first N frames only (quick look) [all]", 10, kMaxCount);
  cmd->add_option("--data-dir", args->data_dir, "folder holding the bundled .npy files");
  cmd->add_flag("--overwrite", args->overwrite, "replace an earlier demo run in the output directory");
  cmd->callback([args] { run(*args); });
}

}  // namespace dynae::cli
