#pragma once
// Per-epoch well-tempered resampling of training pairs (METHOD.md, "Training
// schedule"): regular-space clustering of the latent, then a selection of
// pairs in which cluster k is represented in proportion to n_k^(1/bias_factor).
#include <torch/torch.h>

namespace dynae {

/// Regular-space clustering: visit the rows of z (N, d) in random order; a
/// point becomes a new centre when its distance to every centre exceeds d_min.
/// Returns the centres (K, d). Throws TrainingError past max_centers centres
/// ("increase d_min") and ConfigError for d_min <= 0.
torch::Tensor regular_space_centers(const torch::Tensor& z, double d_min, int64_t max_centers,
                                    at::Generator& gen);

/// Index of the nearest centre for every row of z, (N,) int64.
torch::Tensor assign_to_centers(const torch::Tensor& z, const torch::Tensor& centers);

/// Number of points per cluster, K entries.
std::vector<int64_t> cluster_counts(const torch::Tensor& labels, int64_t clusters);

/// Well-tempered weights w_k = n_k^(1/bias_factor).
std::vector<double> well_tempered_weights(const std::vector<int64_t>& counts, double bias_factor);

/// The resampled selection: positions into the labelled points, length a
/// multiple of batch_size, in batches whose order is shuffled. Cluster k gets
/// S_k = (floor(N w_k / sum(w) / B) + 1) B positions: S_k drawn without
/// replacement when n_k > S_k; otherwise, when n_k > B, floor(S_k / n_k)
/// random permutations of its points cut to a multiple of B; clusters with
/// n_k <= B are left out. With `require_coverage`, throws TrainingError when
/// those clusters hold less than 80 % of the points.
torch::Tensor well_tempered_selection(const torch::Tensor& labels, const std::vector<double>& weights,
                                      int64_t batch_size, at::Generator& gen, bool require_coverage);

}  // namespace dynae
