#pragma once
// Sequences with known transformation primitives: a shape in a movie frame
// that, at each step, undergoes exactly one of {translate x, translate y,
// rotate about its centre, scale} with a random speed. The primitive and the
// speed of every transition are kept as the truth (the data Sparse
// Transformation Analysis is judged on).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "dynae/array.h"

namespace dynae {

/// The primitives, in the order of their labels (0 = translate_x, ...).
const std::vector<std::string>& transformation_primitive_names();

struct TransformationOptions {
  int64_t frames = 20000;  ///< T: the sequence's frames (T - 1 transitions)
  int64_t size = 32;       ///< frame H = W, pixels; a power of two from 16 to 1024
  /// Typical step of each primitive (0 = the primitive is never drawn):
  /// translate_x and translate_y in pixels, rotate in radians, scale in log
  /// radius. A step's speed is +-U(0.5, 1.5) times it, the sign at random.
  std::vector<double> step = {1.0, 1.0, 0.2, 0.06};
  double noise = 0.0;  ///< std of additive Gaussian pixel noise
  uint64_t seed = 0;

  /// Throws ConfigError naming the bad value.
  void validate() const;
};

/// Options from `dynae simulate --param` values: translate, rotate, scale
/// (each primitive's typical step; translate sets both translations). Unknown
/// names or bad values throw ConfigError.
void apply_transformation_parameters(TransformationOptions& o, const std::map<std::string, double>& params);

struct TransformationSequence {
  /// (T, 4): the shape's pose per frame: x, y (pixels from the frame's
  /// centre; y down the rows), radius (pixels), angle (radians in (-pi, pi]).
  Array pose;
  /// (T - 1, 2): per transition t -> t + 1, the primitive's label (its index
  /// in transformation_primitive_names()) and its signed speed in the
  /// primitive's unit (pixels, radians, log radius): pose[t + 1] is pose[t]
  /// moved by exactly that.
  Array moves;
  /// (T, 1, size, size): the rendered frames (an L of three Gaussian blobs,
  /// so that rotation and reflection are visible), plus the pixel noise.
  Array movie;
};

/// Draws one primitive per step uniformly among those with a step > 0; a move
/// that would take the shape past the frame's margin (or its radius out of
/// [0.75, 1.35] of the start's) is made in the opposite direction instead, so
/// that every recorded move is the one applied. `trajectories` independent
/// sequences (at least 1), each reproducible from the seed and its index.
std::vector<TransformationSequence> simulate_transformations(const TransformationOptions& options,
                                                             int64_t trajectories = 1);

/// Renders poses (T, 4) as simulate_transformations draws them.
Array render_transformation_frames(const Array& pose, int64_t size);

}  // namespace dynae
