#pragma once
#include <torch/torch.h>

namespace dynae {

/// Mean over the batch of the squared error summed over all output features.
torch::Tensor reconstruction_error(const torch::Tensor& output, const torch::Tensor& target);

}  // namespace dynae
