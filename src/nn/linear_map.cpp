#include "nn/linear_map.h"

namespace dynae {

LinearMapImpl::LinearMapImpl(int64_t in, int64_t out) {
  shift_in_ = register_buffer("shift_in", torch::zeros({in}));
  matrix_ = register_buffer("matrix", torch::zeros({in, out}));
  shift_out_ = register_buffer("shift_out", torch::zeros({out}));
}

torch::Tensor LinearMapImpl::forward(const torch::Tensor& x) {
  return torch::addmm(shift_out_, x.reshape({x.size(0), -1}) - shift_in_, matrix_);
}

void LinearMapImpl::write_script(ScriptWriter& w, const std::string& prefix, const std::string& in,
                                 const std::string& out) const {
  w.line(out + " = torch.addmm(" + w.tensor(prefix + "_shift_out", shift_out_) + ", " + in + ".flatten(1) - " +
         w.tensor(prefix + "_shift_in", shift_in_) + ", " + w.tensor(prefix + "_matrix", matrix_) + ")");
}

void LinearMapImpl::set(const torch::Tensor& shift_in, const torch::Tensor& matrix, const torch::Tensor& shift_out) {
  torch::NoGradGuard no_grad;
  TORCH_CHECK(shift_in.sizes() == shift_in_.sizes() && matrix.sizes() == matrix_.sizes() &&
                  shift_out.sizes() == shift_out_.sizes(),
              "LinearMap::set: shapes differ");
  shift_in_.copy_(shift_in);
  matrix_.copy_(matrix);
  shift_out_.copy_(shift_out);
}

}  // namespace dynae
