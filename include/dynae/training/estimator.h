#pragma once
// The estimator: holds a model's options, trains (or, for TICA, solves) and
// hands back an immutable fitted Model (dynae/models/model.h).
#include <vector>

#include "dynae/data/trajectory_set.h"
#include "dynae/models/model.h"
#include "dynae/training/communicator.h"
#include "dynae/training/progress.h"

namespace dynae {

/// The estimator: holds hyper-parameters; fit() trains (or, for TICA, solves)
/// and returns a model.
/// Throws ConfigError when the training's sizes (the networks' weights with
/// their gradients and Adam moments, per-frame latents and activations), which
/// follow from the options and the data, exceed this machine's memory: checked
/// before anything is allocated or written. Vector frames only.
void check_training_memory(const ModelOptions& options, const TrajectorySet& data);

class Estimator {
 public:
  explicit Estimator(ModelOptions options);
  const ModelOptions& options() const { return options_; }

  /// Trains on `data` per METHOD.md. TICA is solved in closed form (no
  /// epochs, no history). Throws TrainingError on a NaN loss (the
  /// observer has already received the last good epoch's snapshot), on a
  /// resampling that cannot be done, or DataError/ConfigError on bad input.
  Model fit(const TrajectorySet& data, TrainingObserver* observer = nullptr) const;
  /// Continues a training from a state that `observer->on_checkpoint` was
  /// given (same options and data): the result equals the uninterrupted
  /// fit's, bit for bit at the same thread count; history() then holds the
  /// epochs trained after it. An empty state starts from the beginning.
  /// CheckpointError when the state is damaged or belongs to other options.
  /// Interrupted when catch_interrupts() caught a signal (after the step
  /// in progress; the last state given to the observer is consistent).
  Model resume(const TrajectorySet& data, const std::string& state, TrainingObserver* observer = nullptr) const;

  /// Data-parallel training (dynae/training/communicator.h): every rank
  /// calls fit (or resume) with the same options and data and ends with the
  /// same model. The communicator must outlive the calls.
  void set_data_parallel(const DataParallel& parallel) { parallel_ = parallel; }

  /// Loss history of the last fit (one report per epoch).
  const std::vector<EpochReport>& history() const { return history_; }

 private:
  ModelOptions options_;
  DataParallel parallel_;
  mutable std::vector<EpochReport> history_;
};

}  // namespace dynae
