#pragma once
// The STA kind's (src/models/kinds/sta.cpp) terms that the Model's own
// methods evaluate too, so that both use one definition.
#include <torch/torch.h>

#include "models/model_impl.h"

namespace dynae {

/// KL(q(s | x_t, x_t+tau) || p_b(s)) per transition (N), from the speeds'
/// posterior mean and log-variance (N, K), under the model's speed prior
/// (Laplace(0, b) or N(0, b^2), b learned).
torch::Tensor sta_speed_kl(const Model::Impl& model, const torch::Tensor& mean, const torch::Tensor& logvar);

}  // namespace dynae
