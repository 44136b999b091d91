// The library's errors as Python exceptions: bad options and data are
// ValueError, a damaged model dynae.CheckpointError, an interruption
// KeyboardInterrupt; the messages are the library's own.
#include "common.h"
#include "dynae/errors.h"

namespace dynae::python {

void register_errors(py::module_& m) {
  static py::exception<Error> error(m, "Error", PyExc_RuntimeError);
  static py::exception<CheckpointError> checkpoint(m, "CheckpointError", error.ptr());
  static py::exception<TrainingError> training(m, "TrainingError", error.ptr());
  error.doc() = "Base of dynae's errors that are not about a bad value (those are ValueError)";
  checkpoint.doc() = "A saved model or checkpoint that cannot be read: not one, damaged, or holding non-finite weights";
  training.doc() = "Training cannot go on (a diverging loss, a resampling that cannot be done)";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ConfigError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const DataError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const CheckpointError& e) {
      checkpoint(e.what());
    } catch (const TrainingError& e) {
      training(e.what());
    } catch (const Interrupted& e) {
      PyErr_SetString(PyExc_KeyboardInterrupt, e.what());
    } catch (const Error& e) {
      error(e.what());
    }
  });
}

}  // namespace dynae::python
