#pragma once
// Several training runs (a sweep over listed values, or a comparison of
// models and seeds), each into its own directory, with a summary table.
#include <cstdio>
#include <string>
#include <vector>

#include "dynae/analysis/metrics.h"
#include "dynae/config/run_settings.h"
#include "dynae/models/model.h"
#include "dynae/training/communicator.h"
#include "dynae/training/progress.h"

namespace dynae {

/// What one run of a sweep gave.
struct SweepRun {
  std::string label;      ///< e.g. "beta=10_seed=1"; empty for a single run
  std::string dir;        ///< where its outputs are
  ModelOptions options;
  int64_t epochs = 0;     ///< epochs trained (0 for TICA)
  double seconds = 0;     ///< training wall time
  LossTerms train, test;  ///< losses of the last epoch (zeros for TICA)
  TrainingQuality quality;  ///< the run's own quality figure (not measured for TICA)
  bool has_metrics = false;
  IdentifiabilityMetrics metrics;  ///< against the truth, when one was given
  Array latent;           ///< every trajectory's latent, concatenated (T, d)
};

/// Runs each settings into `out` (one run) or `out`/<label> (several), and,
/// when `truth_paths` are given (one per input trajectory), evaluates each
/// latent against the truth. With several runs it writes `out`/summary.md and
/// `out`/summary.csv after every run, so a sweep cut short keeps its table.
/// With `reuse`, a run whose directory holds a finished run (finished.txt)
/// with the same resolved config.ini is not trained again: its latents and
/// time are read back (to resume a cut-off sweep, or to assemble one table
/// from runs done by several processes); an unfinished one with the same
/// settings is resumed (RunStart::Resume). A directory holding another run
/// is an error unless `overwrite` (run_directory.h).
std::vector<SweepRun> run_sweep(const std::vector<RunSettings>& runs, const std::string& out,
                                const std::vector<std::string>& truth_paths = {}, std::FILE* progress = stderr,
                                bool reuse = false, bool overwrite = false);

/// How a sweep runs (see run_sweep below).
struct SweepOptions {
  std::vector<std::string> truth_paths;  ///< one per input trajectory: each latent scored against it
  std::FILE* progress = stderr;          ///< nullptr: silent
  bool reuse = false, overwrite = false;
  /// This process runs the runs j with j % shards == shard only (an array
  /// job's task), at the same time as the other shards, into the same
  /// directory; the summary is then --collect's job.
  int64_t shard = 0, shards = 1;
  /// No training: the summary of the finished runs; throws Error listing
  /// the runs that are not finished (after writing the summary of the others).
  bool collect = false;
  /// Every run trained data-parallel across the communicator's ranks (rank 0
  /// decides what to reuse and writes; the others follow).
  DataParallel parallel;
};

/// Parses "I/N" (0 <= I < N): a sweep shard.
void parse_shard(const std::string& text, int64_t& shard, int64_t& shards);
/// The shard of a Slurm array task (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN
/// of SLURM_ARRAY_TASK_COUNT); false outside an array job.
bool shard_from_slurm_array(int64_t& shard, int64_t& shards);

/// Sets options.shard / shards: `flag` ("I/N") when given (ConfigError with
/// options.collect); else, for a sweep of several runs, a Slurm array
/// task's shard (said on stderr); else the whole sweep.
void choose_sweep_shard(const std::string& flag, size_t runs, SweepOptions& options);

std::vector<SweepRun> run_sweep(const std::vector<RunSettings>& runs, const std::string& out, const SweepOptions& options);

/// One row per run: label, model, epochs, seconds, final losses, metrics.
std::string sweep_summary_markdown(const std::vector<SweepRun>& runs);
std::string sweep_summary_csv(const std::vector<SweepRun>& runs);

/// Loads ground-truth files (one per trajectory) and concatenates them,
/// checking that each has as many frames as its trajectory.
Array load_truth(const std::vector<std::string>& truth_paths, const std::vector<int64_t>& lengths);

}  // namespace dynae
