#include "losses/reconstruction.h"

namespace dynae {

torch::Tensor reconstruction_error(const torch::Tensor& output, const torch::Tensor& target) {
  TORCH_CHECK(output.sizes() == target.sizes(), "reconstruction_error: output ", output.sizes(),
              " and target ", target.sizes(), " differ");
  return (output - target).pow(2).reshape({output.size(0), -1}).sum(1).mean();
}

}  // namespace dynae
