// Training from Python: arrays in, a fitted Model out, the interpreter's
// lock released while the library works, Ctrl-C and progress on the way.
#include <chrono>
#include <csignal>
#include <optional>

#include "common.h"
#include "options.h"
#include "dynae/data/frame_weights.h"
#include "dynae/errors.h"
#include "dynae/experiments/run.h"
#include "dynae/models/model.h"
#include "dynae/runtime.h"
#include "dynae/training/progress.h"

namespace dynae::python {

namespace {

using Clock = std::chrono::steady_clock;

py::dict loss_dict(const LossTerms& t) {
  py::dict d;
  d["total"] = t.total;
  d["reconstruction"] = t.reconstruction;
  d["regularization"] = t.regularization;
  d["prior"] = t.prior;
  return d;
}

py::dict epoch_dict(const EpochReport& r) {
  py::dict d;
  d["epoch"] = r.epoch;
  d["epochs"] = r.epochs;
  d["steps"] = r.steps;
  d["seconds"] = r.seconds;
  d["elapsed"] = r.elapsed;
  d["learning_rate"] = r.learning_rate;
  d["beta"] = r.beta;
  d["clusters"] = r.clusters;
  d["train"] = loss_dict(r.train);
  d["test"] = loss_dict(r.test);
  return d;
}

/// Training's events for Python, called on the training thread (the caller's,
/// with the interpreter's lock released): every 20 ms it takes the lock to let
/// Python handle its signals (Ctrl-C), and hands `callback` (if not None) an
/// event dict, steps at most every 100 ms. A Python exception there (a
/// KeyboardInterrupt, an error in the callback) is kept and stops training
/// after the step in progress; fit raises it.
class PythonObserver : public TrainingObserver {
 public:
  explicit PythonObserver(py::object callback) : callback_(std::move(callback)) {}

  void on_step(int64_t epoch, int64_t step, int64_t steps) override {
    const Clock::time_point now = Clock::now();
    if (now - last_check_ < std::chrono::milliseconds(20) && step != steps) return;
    last_check_ = now;
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) {
      stop(py::error_already_set());
      return;
    }
    if (now - last_step_ < std::chrono::milliseconds(100) && step != steps) return;
    last_step_ = now;
    py::dict d;
    d["event"] = "step";
    d["epoch"] = epoch;
    d["step"] = step;
    d["steps"] = steps;
    call(d);
  }
  void on_epoch(const EpochReport& r, const Model&) override {
    py::gil_scoped_acquire gil;
    py::dict d = epoch_dict(r);
    d["event"] = "epoch";
    call(d);
  }
  void on_warning(const std::string& message) override {
    py::gil_scoped_acquire gil;
    try {
      py::module_::import("warnings").attr("warn")(message, py::handle(PyExc_RuntimeWarning), 2);
    } catch (py::error_already_set& e) {
      stop(std::move(e));
    }
  }
  void on_note(const std::string& message) override {
    py::gil_scoped_acquire gil;
    py::dict d;
    d["event"] = "note";
    d["message"] = message;
    call(d);
  }

  /// The Python exception that stopped training, if one did.
  std::optional<py::error_already_set>& error() { return error_; }

 private:
  void call(const py::dict& d) {
    if (callback_.is_none() || error_) return;
    try {
      callback_(d);
    } catch (py::error_already_set& e) {
      stop(std::move(e));
    }
  }
  void stop(py::error_already_set e) {
    if (!error_) error_ = std::move(e);
    raise_interrupt(SIGINT);
  }

  py::object callback_;
  Clock::time_point last_check_ = Clock::now(), last_step_ = Clock::now();
  std::optional<py::error_already_set> error_;
};

/// The frames, targets and weights of a fit as a TrajectorySet.
TrajectorySet trajectory_set(const RunSettings& s, const py::object& data, const py::object& targets,
                             const py::object& weights) {
  const std::vector<Array> inputs = to_arrays(data, "data");
  std::vector<Array> outs;
  if (!targets.is_none()) {
    outs = to_arrays(targets, "targets");
    if (outs.size() != inputs.size()) {
      throw DataError("targets: " + std::to_string(outs.size()) + " arrays for " + std::to_string(inputs.size()) +
                      " trajectories of data (expected one target array per trajectory)");
    }
  }
  TrajectorySet set;
  std::vector<std::string> names;
  for (size_t i = 0; i < inputs.size(); ++i) {
    names.push_back(inputs.size() > 1 ? "data[" + std::to_string(i) + "]" : "data");
    set.add(names.back(), inputs[i], outs.empty() ? Array() : outs[i]);
  }
  WeightSpec spec;
  spec.kind = parse_weight_kind(s.weights_kind);
  spec.kT = s.kT;
  if (weights.is_none()) {
    spec.validate(inputs.size());  // a weights kind or kT without weights
    return set;
  }
  const std::vector<Array> w = to_arrays(weights, "weights", 1);
  if (w.size() != inputs.size()) {
    throw DataError("weights: " + std::to_string(w.size()) + " arrays for " + std::to_string(inputs.size()) +
                    " trajectories of data (expected one array of per-frame weights per trajectory)");
  }
  spec.files = names;
  spec.validate(inputs.size());
  std::vector<std::vector<double>> raw;
  for (size_t i = 0; i < w.size(); ++i) {
    if (w[i].rank() != 1 || w[i].frames() != inputs[i].frames()) {
      throw DataError("weights" + (w.size() > 1 ? "[" + std::to_string(i) + "]" : std::string()) +
                      ": expected one weight per frame (" + std::to_string(inputs[i].frames()) + " values, 1-D)");
    }
    raw.push_back(w[i].data.to_vector());
  }
  set.set_weights(normalised_weights(raw, names, spec.kind, spec.kT));
  return set;
}

}  // namespace

void register_fit(py::module_& m) {
  m.def(
      "fit",
      [](const std::string& model, const py::dict& params, const py::object& data, const py::object& targets,
         const py::object& weights, const py::object& callback) {
        const RunSettings settings = settings_from(model, params);
        const TrajectorySet set = trajectory_set(settings, data, targets, weights);
        PythonObserver observer(callback);
        std::vector<EpochReport> history;
        clear_interrupt();
        std::optional<Model> fitted;
        try {
          py::gil_scoped_release release;
          fitted = fit_run(settings, set, &observer, &history);
        } catch (...) {
          // Stopped by the Python exception (Interrupted at the next step, or
          // whatever else the stop ran into first): that one is raised.
          clear_interrupt();
          if (observer.error()) throw std::move(*observer.error());
          throw;
        }
        clear_interrupt();
        if (observer.error()) throw std::move(*observer.error());
        py::list epochs;
        for (const EpochReport& r : history) epochs.append(epoch_dict(r));
        return py::make_tuple(py::cast(*fitted), epochs);
      },
      py::arg("model"), py::arg("params"), py::arg("data"), py::arg("targets") = py::none(),
      py::arg("weights") = py::none(), py::arg("callback") = py::none(),
      "Trains a model (its canonical name and keywords) on arrays; returns (Model, epoch reports)");
}

}  // namespace dynae::python
