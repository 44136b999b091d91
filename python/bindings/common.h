#pragma once
// What the binding's files share: numpy <-> dynae::Array, the parts of the
// module each file registers. Only dynae's light headers and pybind11 here:
// no Torch header is compiled by the binding.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "dynae/array.h"

namespace dynae::python {

namespace py = pybind11;

/// A numpy array (or anything numpy reads, a torch.Tensor on the CPU among
/// them) as an Array: float64 C-contiguous arrays are read in place (no copy;
/// the array is kept alive), float32 ones are widened. `what` names it in
/// messages. ValueError (a ConfigError, translated) for another dtype, a
/// non-contiguous layout, fewer than `min_ndim` dimensions; `finite` also
/// checks every value (naming the first bad frame).
Array to_array(const py::handle& obj, const std::string& what, int min_ndim = 2, bool finite = true);
/// One array, or a list / tuple of arrays (one per trajectory).
std::vector<Array> to_arrays(const py::handle& obj, const std::string& what, int min_ndim = 2);
/// An Array as a float64 numpy array that owns the values (moved, not copied).
py::array to_numpy(Array a);
py::array to_numpy(std::vector<double> v);
py::array to_numpy(const std::vector<int64_t>& v);
/// Integer labels of discrete trajectories: one int array or a list of them.
std::vector<std::vector<int64_t>> to_labels(const py::handle& obj, const std::string& what);

void register_errors(py::module_& m);
void register_options(py::module_& m);
void register_fit(py::module_& m);
void register_model(py::module_& m);
void register_analysis(py::module_& m);
void register_simulate(py::module_& m);
void register_data(py::module_& m);

}  // namespace dynae::python
