// numpy <-> dynae::Array.
#include <memory>

#include "common.h"
#include "dynae/data/trajectory_set.h"
#include "dynae/errors.h"

namespace dynae::python {

namespace {

/// A torch.Tensor as the numpy array that shares its memory (CPU tensors;
/// detached first, so a tensor that requires grad is read, not refused);
/// anything else through numpy.asarray (no copy for numpy arrays).
py::array as_numpy(const py::handle& obj) {
  if (py::isinstance<py::array>(obj)) return py::reinterpret_borrow<py::array>(obj);
  if (py::hasattr(obj, "detach") && py::hasattr(obj, "numpy") && py::hasattr(obj, "is_cuda")) {
    py::object t = obj.attr("detach")();
    if (t.attr("is_cuda").cast<bool>()) t = t.attr("cpu")();
    return t.attr("numpy")();
  }
  try {
    return py::module_::import("numpy").attr("asarray")(obj);
  } catch (py::error_already_set& e) {
    throw DataError("cannot be read as an array: " + std::string(e.what()));
  }
}

std::string dtype_name(const py::array& a) { return py::str(a.dtype()).cast<std::string>(); }

std::string shape_text(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) s += (i ? ", " : "") + std::to_string(a.shape(i));
  return s + (a.ndim() == 1 ? ",)" : ")");
}

}  // namespace

Array to_array(const py::handle& obj, const std::string& what, int min_ndim, bool finite) {
  py::array a;
  try {
    a = as_numpy(obj);
  } catch (const DataError& e) {
    throw DataError(what + " " + e.what());
  }
  const py::dtype dt = a.dtype();
  if (dt.kind() != 'f' || (dt.itemsize() != 4 && dt.itemsize() != 8)) {
    throw DataError(what + ": expected a float32 or float64 array, got dtype " + dtype_name(a) +
                    " (convert it with x.astype(numpy.float64) if it holds numbers)");
  }
  if (a.ndim() < min_ndim) {
    throw DataError(what + ": expected " +
                    std::string(min_ndim >= 2 ? "frames first, (frames, features) or (frames, channels, height, width)"
                                              : "at least one dimension") +
                    ", got shape " + shape_text(a) +
                    (a.ndim() == 1 && min_ndim == 2 ? " (one feature per frame: x[:, None])" : ""));
  }
  if (!(a.flags() & py::array::c_style)) {
    throw DataError(what + ": expected a C-contiguous array (rows in memory order), got strides of shape " +
                    shape_text(a) + ": pass numpy.ascontiguousarray(x)");
  }
  std::vector<int64_t> shape(a.shape(), a.shape() + a.ndim());
  const size_t n = static_cast<size_t>(a.size());
  Array out;
  if (dt.itemsize() == 8) {
    // Read in place: the Values keep a reference to the numpy array, dropped
    // with the interpreter's lock held (the last Array may die on a thread
    // that released it).
    auto* ref = new py::object(a);
    std::shared_ptr<const void> keeper(ref, [](const void* p) {
      py::gil_scoped_acquire gil;
      delete static_cast<const py::object*>(p);
    });
    out = Array(shape, Values::view(keeper, static_cast<const double*>(a.data()), n));
  } else {
    const float* p = static_cast<const float*>(a.data());
    std::vector<double> v(p, p + n);
    out = Array(shape, Values(std::move(v)));
  }
  if (finite) check_finite(out, what);
  return out;
}

std::vector<Array> to_arrays(const py::handle& obj, const std::string& what, int min_ndim) {
  std::vector<Array> out;
  if (py::isinstance<py::list>(obj) || py::isinstance<py::tuple>(obj)) {
    const py::sequence seq = py::reinterpret_borrow<py::sequence>(obj);
    if (seq.size() == 0) throw DataError(what + ": an empty list (expected one array per trajectory)");
    for (size_t i = 0; i < seq.size(); ++i) {
      out.push_back(to_array(seq[i], what + "[" + std::to_string(i) + "]", min_ndim));
    }
  } else {
    out.push_back(to_array(obj, what, min_ndim));
  }
  return out;
}

py::array to_numpy(Array a) {
  auto* owned = new Array(std::move(a));
  py::capsule base(owned, [](void* p) { delete static_cast<Array*>(p); });
  std::vector<py::ssize_t> shape(owned->shape.begin(), owned->shape.end());
  return py::array_t<double>(shape, static_cast<const double*>(owned->data.data()), base);
}

py::array to_numpy(std::vector<double> v) {
  const int64_t n = static_cast<int64_t>(v.size());
  return to_numpy(Array({n}, Values(std::move(v))));
}

py::array to_numpy(const std::vector<int64_t>& v) {
  py::array_t<int64_t> out(static_cast<py::ssize_t>(v.size()));
  std::copy(v.begin(), v.end(), out.mutable_data());
  return out;
}

std::vector<std::vector<int64_t>> to_labels(const py::handle& obj, const std::string& what) {
  std::vector<py::handle> items;
  if (py::isinstance<py::list>(obj) || py::isinstance<py::tuple>(obj)) {
    for (const py::handle h : py::reinterpret_borrow<py::sequence>(obj)) items.push_back(h);
  } else {
    items.push_back(obj);
  }
  if (items.empty()) throw DataError(what + ": an empty list (expected one integer array per trajectory)");
  std::vector<std::vector<int64_t>> out;
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string name = items.size() > 1 ? what + "[" + std::to_string(i) + "]" : what;
    py::array a = as_numpy(items[i]);
    if (a.dtype().kind() != 'i' && a.dtype().kind() != 'u') {
      throw DataError(name + ": expected integer state labels, got dtype " + dtype_name(a));
    }
    if (a.ndim() != 1) throw DataError(name + ": expected one label per frame (1-D), got shape " + shape_text(a));
    const auto labels = py::array_t<int64_t, py::array::c_style | py::array::forcecast>::ensure(a);
    std::vector<int64_t> v(labels.data(), labels.data() + labels.size());
    for (size_t t = 0; t < v.size(); ++t) {
      if (v[t] < 0) throw DataError(name + ": label " + std::to_string(v[t]) + " at frame " + std::to_string(t) + " (expected >= 0)");
    }
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace dynae::python
