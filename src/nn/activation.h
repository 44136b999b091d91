#pragma once
// Hidden-layer nonlinearities of the fully connected networks; Torch-free so
// that the fused kernels (nn/fused_mlp.h) share it with the LibTorch modules.

namespace dynae {

enum class Activation { ReLU, Tanh };

}  // namespace dynae
