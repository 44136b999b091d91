#pragma once
// The warm start of an autoencoder from the slow linear subspace (option
// warm_start = tica): before its first epoch, the encoder is fitted to TICA's
// slowest components, scaled so that they move like a DynAE latent (variance
// 2 per coordinate and lag), and the decoder to the frames from them. DynAE's
// own training then starts from a latent that holds the slowest linear
// process instead of whatever a random encoder shows the reconstruction.
#include <cstdint>
#include <vector>

#include "dynae/array.h"
#include "dynae/models/model.h"

namespace at {
class Generator;
}

namespace dynae {

class TrajectorySet;
class FrameRows;

/// TICA's `d` slowest components of `data` at `tica_lag`, centred, each scaled
/// so that its moves at `lag` frames have mean square 2; all trajectories'
/// frames in order, (T, d) row-major. Throws DataError when TICA cannot be
/// solved (fewer features than d, constant features) or a component does not move.
std::vector<float> slow_linear_targets(const TrajectorySet& data, int64_t d, int64_t tica_lag, int64_t lag);

/// `steps` Adam steps (learning rate 1e-3, batches of 256 frames drawn from
/// `generator`) on the encoder's squared distance to `latent_targets` plus
/// the decoder's squared error reconstructing the frames from the targets.
/// Returns the last batch's encoder mean squared distance per coordinate.
double warm_start_autoencoder(Model::Impl& model, const FrameRows& inputs, const FrameRows& targets,
                              const std::vector<float>& latent_targets, at::Generator& generator, int64_t steps);

}  // namespace dynae
