#pragma once
// Frames for a trained model: read from files by the columns it was trained
// on, and checked against the frame shape it takes, so that a wrong file is
// named (not a shape deep inside the encoder).
#include <string>
#include <vector>

#include "dynae/data/trajectory_set.h"

namespace dynae {

class Model;

/// load_trajectories(paths) with the model's feature columns (COLVAR / CSV
/// inputs) and `weights`; throws DataError naming the first file whose frames
/// are not of the model's input shape.
TrajectorySet load_frames_for(const Model& model, const std::vector<std::string>& paths, const WeightSpec& weights = {});

}  // namespace dynae
