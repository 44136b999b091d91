#pragma once
// The training loop of every neural model (METHOD.md "Training schedule"):
// only the schedule (warm-up, learning rates, resampling, test evaluation,
// prior refit); what a step computes is a TrainStep's (training/train_step.h).
#include <vector>

#include "dynae/data/trajectory_set.h"
#include "dynae/models/model.h"
#include "dynae/training/progress.h"
#include "training/train_step.h"

namespace dynae {

using StepFactory = std::unique_ptr<TrainStep> (*)(const StepContext&);

/// Trains a new model on `data`; fills `history` with one report per epoch.
/// `step_factory` chooses the step implementation (default: make_train_step,
/// the fused step where it applies); tests pass make_autograd_step or
/// make_fused_step to run the same behaviour on each. A non-empty
/// `resume_state` (from TrainingObserver::on_checkpoint) continues that
/// training; `history` then gets the epochs after it. `parallel` splits
/// every batch between ranks (or shards computed here, as ranks would).
Model train_model(const ModelOptions& options, const TrajectorySet& data, TrainingObserver* observer,
                  std::vector<EpochReport>& history, StepFactory step_factory = nullptr,
                  const std::string& resume_state = "", const DataParallel& parallel = {});

}  // namespace dynae
