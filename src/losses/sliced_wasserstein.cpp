#include "losses/sliced_wasserstein.h"

namespace dynae {

torch::Tensor random_directions(int64_t count, int64_t dim, at::Generator& gen,
                                const torch::TensorOptions& options) {
  torch::Tensor w = torch::randn({count, dim}, gen, options);
  return w / w.norm(2, {1}, /*keepdim=*/true);
}

torch::Tensor sliced_wasserstein(const torch::Tensor& a, const torch::Tensor& b,
                                 const torch::Tensor& directions) {
  TORCH_CHECK(a.dim() == 2 && b.dim() == 2 && a.sizes() == b.sizes(),
              "sliced_wasserstein: both sample sets must be (B, d) of one shape, got ", a.sizes(), " and ",
              b.sizes());
  TORCH_CHECK(directions.dim() == 2 && directions.size(1) == a.size(1),
              "sliced_wasserstein: directions must be (L, ", a.size(1), "), got ", directions.sizes());
  const torch::Tensor dt = directions.t();
  const torch::Tensor pa = std::get<0>(a.matmul(dt).sort(0));
  const torch::Tensor pb = std::get<0>(b.matmul(dt).sort(0));
  return (pa - pb).pow(2).mean();
}

}  // namespace dynae
