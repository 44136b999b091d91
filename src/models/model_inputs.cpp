#include "dynae/models/model_inputs.h"

#include "dynae/models/model.h"

namespace dynae {

TrajectorySet load_frames_for(const Model& model, const std::vector<std::string>& paths, const WeightSpec& weights) {
  TrajectorySet data = load_trajectories(paths, {}, ColumnSelection{model.feature_names(), ""}, weights);
  for (const Trajectory& t : data.trajectories()) model.check_input_frames(t.input, t.name);
  return data;
}

}  // namespace dynae
