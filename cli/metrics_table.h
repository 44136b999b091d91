#pragma once
#include <string>

#include "dynae/analysis/metrics.h"

namespace dynae::cli {

/// Acceptance bars for a DynAE latent against ground truth (issue 2, from the
/// reference's figures on the three-state data).
struct MetricBars {
  double min_r2 = 0.995;
  double max_disparity = 0.01;
  double max_anisotropy = 1.15;
  double step_variance = 2.0;
  double step_variance_tol = 0.3;
};

/// Metrics as aligned "name value" lines; with bars, each line says PASS/FAIL.
/// Returns the text; `passed` (if given) is set to whether all bars are met.
std::string metrics_table(const IdentifiabilityMetrics& m, const MetricBars* bars = nullptr, bool* passed = nullptr);

}  // namespace dynae::cli
