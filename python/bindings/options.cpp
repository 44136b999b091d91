// The estimators' keywords, from the one options table.
#include "options.h"

#include "dynae/errors.h"
#include "dynae/models/model_options.h"

namespace dynae::python {

namespace {

const char* type_name(OptionType t) {
  switch (t) {
    case OptionType::Int:
    case OptionType::UInt:
      return "int";
    case OptionType::Float:
      return "float";
    case OptionType::Bool:
      return "bool";
    default:
      return "str";
  }
}

py::object typed_value(const OptionInfo& info, const std::string& text) {
  switch (info.type) {
    case OptionType::Int:
    case OptionType::UInt: {
      int64_t v = 0;
      parse_option_int(text, &v);
      return py::int_(v);
    }
    case OptionType::Float: {
      double v = 0;
      parse_option_float(text, &v);
      return py::float_(v);
    }
    case OptionType::Bool: {
      bool v = false;
      parse_option_bool(text, &v);
      return py::bool_(v);
    }
    default:
      return py::str(text);
  }
}

/// The estimator keywords' options, in the table's order.
std::vector<const BoundOption<RunSettings>*> keyword_options() {
  std::vector<const BoundOption<RunSettings>*> out;
  for (const auto& option : run_option_table()) {
    if (!option.info.files_only) out.push_back(&option);
  }
  return out;
}

/// A Python value as the option text the table parses.
std::string option_text(const std::string& keyword, const py::handle& value) {
  if (py::isinstance<py::bool_>(value)) return option_bool_text(value.cast<bool>());
  if (py::isinstance<py::str>(value)) return value.cast<std::string>();
  if (py::isinstance<py::list>(value) || py::isinstance<py::tuple>(value) || py::isinstance<py::dict>(value)) {
    throw ConfigError(keyword + ": one value, not " + std::string(py::str(value.get_type().attr("__name__"))) +
                      " (a sweep over values is the command line's: dynae train --" + keyword + " 1,2,3)");
  }
  if (py::hasattr(value, "__index__")) return py::str(py::module_::import("operator").attr("index")(value));
  if (py::hasattr(value, "__float__")) return option_number_text(py::reinterpret_borrow<py::object>(value).cast<double>());
  throw ConfigError(keyword + ": expected a number, a bool or a string, got " +
                    std::string(py::str(value.get_type().attr("__name__"))));
}

}  // namespace

RunSettings settings_from(const std::string& model, const py::dict& params) {
  ConfigSpec spec;
  spec.set("model", model, "model");
  for (const auto& [key, value] : params) {
    const std::string keyword = py::str(key);
    if (value.is_none()) continue;
    const BoundOption<RunSettings>* option = nullptr;
    for (const auto* o : keyword_options()) {
      if (o->info.python_keyword() == keyword) option = o;
    }
    if (!option) {
      std::string known;
      for (const auto* o : keyword_options()) known += (known.empty() ? "" : ", ") + o->info.python_keyword();
      throw ConfigError("unknown keyword '" + keyword + "' (known: " + known + ")");
    }
    if (option->info.key == "model") {
      throw ConfigError("model: this estimator trains " + model_display_name(model) +
                        "; each model has its own class (dynae.DynAE, dynae.VAE, ...)");
    }
    spec.set(option->info.key, option_text(keyword, value), keyword);
  }
  std::vector<RunSettings> runs = spec.expand(DataSource::Arrays);
  return runs.at(0);
}

py::dict settings_values(const RunSettings& settings) {
  py::dict out;
  for (const auto* o : keyword_options()) out[py::str(o->info.python_keyword())] = typed_value(o->info, o->get(settings));
  return out;
}

void register_options(py::module_& m) {
  m.def(
      "option_table",
      [] {
        const RunSettings defaults;
        py::list rows;
        for (const auto* o : keyword_options()) {
          const OptionInfo& info = o->info;
          py::dict row;
          row["keyword"] = info.python_keyword();
          row["key"] = info.key;
          row["flag"] = info.flag.empty() ? "" : "--" + info.flag;
          row["section"] = info.section;
          row["type"] = type_name(info.type);
          row["default"] = typed_value(info, o->get(defaults));
          row["help"] = info.help;
          row["choices"] = info.choices ? py::str(info.choice_list()) : py::str("");
          row["expected"] = info.expected;
          row["min"] = info.min;
          row["max"] = info.max;
          rows.append(row);
        }
        return rows;
      },
      "Every estimator keyword: keyword, INI key, flag, type, default, help, choices, range");
  m.def(
      "model_kinds",
      [] {
        py::list rows;
        for (const std::string& name : model_names()) rows.append(py::make_tuple(name, model_display_name(name)));
        return rows;
      },
      "(canonical name, display name) of every model kind");
  m.def(
      "check_settings",
      [](const std::string& model, const py::dict& params) { return settings_values(settings_from(model, params)); },
      py::arg("model"), py::arg("params"),
      "Validates keywords for a model; returns every keyword's value (ValueError naming a bad one)");
  m.def(
      "settings_ini",
      [](const std::string& model, const py::dict& params) { return to_ini(settings_from(model, params)); },
      py::arg("model"), py::arg("params"), "The settings as the config.ini that `dynae train` reads");
}

}  // namespace dynae::python
