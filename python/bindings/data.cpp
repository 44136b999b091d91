// Reading PLUMED COLVAR / CSV / TSV tables the way `dynae train` does.
#include "common.h"
#include "dynae/data/table.h"

namespace dynae::python {

void register_data(py::module_& m) {
  m.def(
      "read_columns",
      [](const std::string& path, const std::vector<std::string>& features, const std::string& weights_column) {
        ColumnData c;
        {
          py::gil_scoped_release release;
          c = read_columns(path, ColumnSelection{features, weights_column});
        }
        py::dict d;
        d["names"] = c.names;
        d["columns"] = c.columns;
        py::list segments, weights;
        for (Array& s : c.segments) segments.append(to_numpy(std::move(s)));
        for (std::vector<double>& w : c.weights) weights.append(to_numpy(std::move(w)));
        d["trajectories"] = segments;
        d["weights"] = weights_column.empty() ? py::object(py::none()) : py::object(weights);
        d["first_lines"] = c.first_lines;
        return d;
      },
      py::arg("path"), py::arg("features") = std::vector<std::string>{}, py::arg("weights_column") = "");
}

}  // namespace dynae::python
