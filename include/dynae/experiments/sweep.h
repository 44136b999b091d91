#pragma once
// Several training runs (a sweep over listed values, or a comparison of
// models and seeds), each into its own directory, with a summary table.
#include <cstdio>
#include <string>
#include <vector>

#include "dynae/analysis/metrics.h"
#include "dynae/config/run_settings.h"
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

/// One row per run: label, model, epochs, seconds, final losses, metrics.
std::string sweep_summary_markdown(const std::vector<SweepRun>& runs);
std::string sweep_summary_csv(const std::vector<SweepRun>& runs);

/// Loads ground-truth files (one per trajectory) and concatenates them,
/// checking that each has as many frames as its trajectory.
Array load_truth(const std::vector<std::string>& truth_paths, const std::vector<int64_t>& lengths);

}  // namespace dynae
