#include "dynae/runtime.h"

#include <torch/torch.h>

#include "dynae/errors.h"

namespace dynae {

void set_num_threads(int64_t n) {
  if (n < 0) throw ConfigError("threads must be >= 0 (0 = LibTorch's default), got " + std::to_string(n));
  if (n > 0) torch::set_num_threads(static_cast<int>(n));
}

int64_t num_threads() { return torch::get_num_threads(); }

}  // namespace dynae
