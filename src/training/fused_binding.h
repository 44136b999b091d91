#pragma once
// A model's fully connected networks bound to the fused kernels: their
// weight tensors become FlatAdam segments and FusedMlp layers that read and
// update the tensors in place (used by the fused step and the warm start).
#include <cstddef>
#include <vector>

#include "nn/fused_mlp.h"
#include "training/flat_adam.h"

namespace dynae {

class MlpImpl;

/// Appends `net`'s weights and biases to `segments`; false when one is not
/// a contiguous float32 CPU tensor or its activation is not ReLU, Tanh or ELU
/// (the fused kernels do not apply).
bool collect_mlp_parameters(const MlpImpl& net, std::vector<FlatAdam::Segment>& segments);

/// `net`'s layers, their gradients in `optimizer`'s buffer from segment
/// `first` on (as collect_mlp_parameters appended them).
FusedMlp bind_fused_mlp(const MlpImpl& net, FlatAdam& optimizer, size_t first);

}  // namespace dynae
