#pragma once
// `dynae report`: one self-contained HTML page for a training run.
#include <string>
#include <vector>

#include "dynae/analysis/landscape.h"
#include "dynae/experiments/kinetics.h"

namespace dynae {

struct ReportOptions {
  std::vector<std::string> truth_paths;  ///< ground truth per input trajectory (optional)
  int64_t generate_steps = -1;           ///< learned-dynamics steps; -1 = as many as the data has frames
  uint64_t seed = 0;                     ///< noise of the generated dynamics
  /// Other runs (directories) or latent .npy files of the same frames: the
  /// page gets an alignment section (this run against each, and the
  /// consensus of all). Empty: no such section.
  std::vector<std::string> align_with;
  LandscapeOptions landscape;
  /// The Kinetics section (its landscape and seed are the report's).
  KineticsOptions kinetics = [] {
    KineticsOptions o;
    o.its.bootstrap = 20;
    return o;
  }();
};

/// Reads a run directory (config.ini, model.pt, losses.csv), recomputes the
/// landscape of its data, runs the learned dynamics when the model has them,
/// draws every figure into RUN_DIR/report/ (PNG and SVG) and writes
/// RUN_DIR/report.html, with the SVG figures inline so the page stands alone.
/// Returns the page's path. Throws Error naming the missing or bad file.
std::string write_report(const std::string& run_dir, const ReportOptions& options = {});

}  // namespace dynae
