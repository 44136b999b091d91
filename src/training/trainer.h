#pragma once
// The training loop of every neural model (METHOD.md "Losses" and "Training
// schedule"); the model's Objective supplies the loss of a minibatch.
#include <vector>

#include "dynae/models/model.h"

namespace dynae {

/// Trains a new model on `data`; fills `history` with one report per epoch.
Model train_model(const ModelOptions& options, const TrajectorySet& data, TrainingObserver* observer,
                  std::vector<EpochReport>& history);

}  // namespace dynae
