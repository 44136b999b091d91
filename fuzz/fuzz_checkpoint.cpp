// libFuzzer harness: model checkpoints. Bytes either load into a model that
// encodes, or give a CheckpointError.
#include <cmath>

#include "dynae/errors.h"
#include "dynae/models/model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const dynae::Model m =
        dynae::Model::from_bytes(std::string(reinterpret_cast<const char*>(data), size), "fuzz input");
    const int64_t n = dynae::shape_product(m.input_frame_shape());
    if (n > 0 && n <= 4096 && m.input_frame_shape().size() == 1) {
      std::vector<int64_t> shape{2};
      shape.insert(shape.end(), m.input_frame_shape().begin(), m.input_frame_shape().end());
      (void)m.encode(dynae::Array::zeros(shape));
    }
  } catch (const dynae::Error&) {
  }
  return 0;
}
