#pragma once
// A fixed affine map of flattened frames, y = (x - shift_in) M + shift_out,
// held in buffers (saved and loaded with the module, never trained). TICA's
// projection and its least-squares reconstruction are two of these.
#include <torch/torch.h>

#include "nn/frame_net.h"

namespace dynae {

class LinearMapImpl : public FrameNetImpl {
 public:
  LinearMapImpl(int64_t in, int64_t out);
  torch::Tensor forward(const torch::Tensor& x) override;
  void write_script(ScriptWriter& w, const std::string& prefix, const std::string& in,
                    const std::string& out) const override;
  /// Sets the map; float64 input is stored as float32.
  void set(const torch::Tensor& shift_in, const torch::Tensor& matrix, const torch::Tensor& shift_out);

 private:
  torch::Tensor shift_in_, matrix_, shift_out_;
};

}  // namespace dynae
