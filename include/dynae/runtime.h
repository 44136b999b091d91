#pragma once
#include <cstdint>

namespace dynae {

/// Intra-op threads used by LibTorch (0 keeps its default, one per core).
/// Results are bit-identical for the same seed and the same thread count.
void set_num_threads(int64_t n);
int64_t num_threads();

}  // namespace dynae
