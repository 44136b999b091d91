#pragma once
// Array <-> torch::Tensor, for library .cpp files only.
#include <torch/torch.h>

#include "dynae/array.h"

namespace dynae {

/// float32 tensor with the array's shape (a copy).
torch::Tensor to_tensor(const Array& a, torch::Dtype dtype = torch::kFloat32);
/// Array (double) from any tensor (a copy).
Array to_array(const torch::Tensor& t);

/// Whether a tensor (e.g. read from a damaged archive) has the storage its
/// sizes claim, and is contiguous: only then may its data be read.
bool is_backed(const torch::Tensor& t);

}  // namespace dynae
