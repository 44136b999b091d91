#pragma once
// Hidden-layer nonlinearities of the fully connected networks; Torch-free so
// that the fused kernels (nn/fused_mlp.h) share it with the LibTorch modules.

#include <string>

namespace dynae {

/// All four run on both step paths (LibTorch modules and the fused kernels);
/// ELU with alpha 1, SiLU = x sigmoid(x).
enum class Activation { ReLU, Tanh, SiLU, ELU };

/// The option's value ("relu", "tanh", "silu", "elu") as an Activation; ReLU otherwise.
inline Activation activation_of(const std::string& name) {
  if (name == "tanh") return Activation::Tanh;
  if (name == "silu") return Activation::SiLU;
  if (name == "elu") return Activation::ELU;
  return Activation::ReLU;
}

}  // namespace dynae
