#pragma once
// Sliced Wasserstein distance (p = 2, no square root) between two sample sets.
#include <torch/torch.h>

namespace dynae {

/// `count` directions uniform on the unit sphere in R^d, (count, d).
torch::Tensor random_directions(int64_t count, int64_t dim, at::Generator& gen,
                                const torch::TensorOptions& options = torch::kFloat32);
/// The same draws and values into tensors kept between calls (a training
/// step's few microseconds of allocation saved): `w` and `out` (count, d),
/// `norms` (count, 1), all of one floating type.
void random_directions(at::Generator& gen, torch::Tensor& w, torch::Tensor& norms, torch::Tensor& out);

/// Indices that sort each column of p (B, L) ascending: p.gather(0, result)
/// is torch::sort(p, 0) exactly. An argsort with Boost's branchless pdqsort on
/// order-preserving integer keys: LibTorch 1.13's CPU sort of these small
/// columns took half of a training step. float32 and float64; NaN-free input.
torch::Tensor argsort_columns(const torch::Tensor& p);

/// Projects a (B, d) and b (B, d) on each direction (L, d), sorts each projected
/// column, and returns the mean over the B x L entries of the squared
/// differences. Differentiable in a and b.
torch::Tensor sliced_wasserstein(const torch::Tensor& a, const torch::Tensor& b,
                                 const torch::Tensor& directions);

}  // namespace dynae
