#pragma once
// `dynae align`: how alike the latents of several runs (seeds, architectures,
// models, lags) are, pair by pair, and their consensus.
#include <string>
#include <vector>

#include "dynae/analysis/alignment.h"
#include "dynae/array.h"

namespace dynae {

struct AlignmentPair {
  size_t a = 0, b = 0;  ///< indices into AlignmentReport::labels
  LatentAlignment alignment;
};

struct AlignmentReport {
  std::vector<std::string> labels;   ///< one per latent: the run directory or file as given
  std::vector<std::string> groups;   ///< the label's group (e.g. a model of `dynae compare`); empty: none
  std::vector<AlignmentPair> pairs;  ///< every pair a < b
  Array consensus;                   ///< generalised Procrustes mean, (T, d)
  std::vector<double> residuals;     ///< each latent's disparity to the consensus
  /// Worst (largest) disparity and smallest CKA over the pairs.
  double worst_disparity() const;
  double worst_cka() const;
};

/// A run's latent: a run directory's latent_traj<i>.npy files in order,
/// stacked, or one .npy file (frames, d). DataError naming the path.
Array read_latent(const std::string& path);

/// Aligns the latents (at least 2, of the same frames). `k`: neighbours of
/// the mutual-neighbour overlap. `groups` (empty or one per latent) are
/// carried into the report's within/between summary.
AlignmentReport align_latent_set(const std::vector<std::string>& labels, const std::vector<Array>& latents,
                                 const std::vector<std::string>& groups = {}, int64_t k = 10);

/// Writes align.csv (a, b, disparity, cka, knn_overlap per pair), align.md
/// (the table, the worst pair, within and between groups, each latent's
/// residual from the consensus), consensus_latent.npy, and align.png (the
/// pairwise disparity and CKA as heatmaps) into `dir` (made if missing).
void write_alignment(const std::string& dir, const AlignmentReport& report);
/// The pairwise disparity and CKA heatmaps as STEM.png (and STEM.svg when `svg`).
void plot_alignment(const AlignmentReport& report, const std::string& stem, bool svg);
/// The files write_alignment writes (for OutputPlan).
std::vector<std::string> alignment_output_names();
/// The report's summary lines (worst pair, groups), for the console.
std::string alignment_summary(const AlignmentReport& report);

}  // namespace dynae
