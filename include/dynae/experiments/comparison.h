#pragma once
// The comparison table of `dynae compare`: per model, the spread over seeds of
// each identifiability metric, and how much the seeds' latents agree.
#include <cmath>
#include <string>
#include <vector>

#include "dynae/experiments/sweep.h"

namespace dynae {

/// Mean and sample standard deviation (n - 1) over seeds; sd is NaN for one seed.
struct Spread {
  double mean = NAN, sd = NAN;
};

struct ComparisonRow {
  std::string name;        ///< e.g. "DynAE", "VAE (beta=1)"
  int64_t seeds = 0;
  bool seed_independent = false;  ///< TICA: the seed changes nothing, so seeds agree by construction
  Spread r2, disparity, anisotropy, scale;
  Spread step_variance;    ///< mean over latent coordinates, then over seeds
  Spread seed_disparity;   ///< Procrustes disparity between two seeds' latents, over all pairs
  Spread seconds;          ///< training wall time
};

/// Groups `runs` by `names` (names[i] belongs to runs[i]; rows in order of
/// first appearance). Every run needs metrics against the truth.
std::vector<ComparisonRow> summarize_comparison(const std::vector<std::string>& names,
                                                const std::vector<SweepRun>& runs);

std::string comparison_markdown(const std::vector<ComparisonRow>& rows);
std::string comparison_csv(const std::vector<ComparisonRow>& rows);
/// Writes dir/comparison.md and dir/comparison.csv, each atomically.
void write_comparison(const std::string& dir, const std::vector<ComparisonRow>& rows);

}  // namespace dynae
