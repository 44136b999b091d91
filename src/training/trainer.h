#pragma once
// The DynAE training loop (METHOD.md "Losses" and "Training schedule").
#include <vector>

#include "dynae/models/dynae.h"

namespace dynae {

/// Trains a new model on `data`; fills `history` with one report per epoch.
DynAEModel train_dynae(const DynAEOptions& options, const TrajectorySet& data, TrainingObserver* observer,
                       std::vector<EpochReport>& history);

}  // namespace dynae
