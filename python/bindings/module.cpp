// The compiled part of the Python package: dynae._dynae.
#include "common.h"

PYBIND11_MODULE(_dynae, m) {
  m.doc() = "dynae's library, bound for Python (use the package `dynae`, not this module)";
  dynae::python::register_errors(m);
  dynae::python::register_options(m);
  dynae::python::register_model(m);
  dynae::python::register_fit(m);
  dynae::python::register_analysis(m);
  dynae::python::register_simulate(m);
  dynae::python::register_data(m);
}
