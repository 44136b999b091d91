#include "data/tensor_convert.h"

namespace dynae {

torch::Tensor to_tensor(const Array& a, torch::Dtype dtype) {
  // A view of the array's storage, then one copy (with the dtype conversion).
  const torch::Tensor view = torch::from_blob(const_cast<double*>(a.data.data()), a.shape, torch::kFloat64);
  return view.to(dtype, /*non_blocking=*/false, /*copy=*/true);
}

Array to_array(const torch::Tensor& t) {
  torch::Tensor d = t.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  std::vector<int64_t> shape(d.sizes().begin(), d.sizes().end());
  std::vector<double> v(static_cast<size_t>(d.numel()));
  std::memcpy(v.data(), d.data_ptr<double>(), v.size() * sizeof(double));
  return Array(std::move(shape), std::move(v));
}

bool is_backed(const torch::Tensor& t) {
  if (!t.defined()) return false;
  if (t.numel() == 0) return true;
  return t.is_contiguous() && t.has_storage() && t.storage().data() != nullptr &&
         t.storage().nbytes() >= static_cast<size_t>((t.storage_offset() + t.numel()) * t.element_size());
}

}  // namespace dynae
