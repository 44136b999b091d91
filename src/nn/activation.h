#pragma once
// Hidden-layer nonlinearities of the fully connected networks; Torch-free so
// that the fused kernels (nn/fused_mlp.h) share it with the LibTorch modules.

#include <string>

namespace dynae {

/// ReLU, Tanh and ELU (alpha 1) also run in the fused kernels; SiLU
/// (x sigmoid(x)), whose gradient needs more than its output, on the LibTorch
/// path only.
enum class Activation { ReLU, Tanh, SiLU, ELU };

/// The option's value ("relu", "tanh", "silu", "elu") as an Activation; ReLU otherwise.
inline Activation activation_of(const std::string& name) {
  if (name == "tanh") return Activation::Tanh;
  if (name == "silu") return Activation::SiLU;
  if (name == "elu") return Activation::ELU;
  return Activation::ReLU;
}

}  // namespace dynae
