#pragma once
// The estimators' keywords: the options table (models/model_options.def,
// config/run_settings.def) seen from Python, one keyword per option that is
// not about files.
#include <string>

#include "common.h"
#include "dynae/config/run_settings.h"

namespace dynae::python {

/// Validated settings of one training from a model name and keywords (a
/// dict keyword -> value; None keeps the default). ValueError naming the
/// keyword for an unknown one, a bad value or an out-of-range one.
RunSettings settings_from(const std::string& model, const py::dict& params);

/// The settings' values, keyword -> Python value (every keyword).
py::dict settings_values(const RunSettings& settings);

}  // namespace dynae::python
