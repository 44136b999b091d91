#pragma once
// What differs between the neural models: how a minibatch of lagged pairs
// becomes a loss. Each model kind (src/models/kinds/) defines its Objective;
// the autograd training step (training/autograd_step.cpp) differentiates it
// and owns the optimizers; the trainer owns the schedule (METHOD.md "Losses"
// and "Baselines").
#include <torch/torch.h>

#include <memory>
#include <string>

#include "models/model_impl.h"

namespace dynae {

/// B lagged pairs: inputs and targets at t and t + tau.
struct PairBatch {
  torch::Tensor x0, x1, y0, y1;
};

/// One minibatch's loss and its parts (scalars), plus the latents the prior
/// step needs.
struct BatchLoss {
  torch::Tensor loss;            ///< minimised by the autoencoder optimizer
  torch::Tensor reconstruction;  ///< reconstruction error
  torch::Tensor regularization;  ///< the model's regulariser (SWD, KL, ...), before beta
  torch::Tensor z0, z1;          ///< latents of x0 and x1 (posterior means); z1 may be undefined
};

class Objective {
 public:
  virtual ~Objective() = default;
  /// The loss of one minibatch; `beta` weights the regulariser.
  virtual BatchLoss loss(const Model::Impl& model, const PairBatch& batch, double beta, at::Generator& gen) const = 0;
  /// The DynAE's separate prior step: loss on the detached latents of `terms`.
  /// Undefined tensor when the model has none. `gen` gives any noise it draws.
  virtual torch::Tensor prior_loss(const Model::Impl& /*model*/, const BatchLoss& /*terms*/,
                                   at::Generator& /*gen*/) const {
    return {};
  }
  /// Resample training pairs by regular-space clustering of the latent every
  /// epoch after the warm-up (DynAE only: d_min is in its latent units).
  virtual bool resamples() const { return false; }
};

/// Reconstruction error of a pair batch: `out` holds the decoded frames of x0
/// then of x1 (2B, ...); the errors against y0 and y1 are added.
torch::Tensor pair_reconstruction(const torch::Tensor& out, const PairBatch& batch);

/// The factory of an Objective type, for a kind's declaration.
template <class T>
std::unique_ptr<Objective> objective_of() {
  return std::make_unique<T>();
}

/// A deterministic autoencoder's pass over a pair batch: both frames encoded
/// into `z` (2B, d: the x0 rows, then the x1 rows), decoded, and the pair
/// reconstruction; terms.z0, z1 and reconstruction are set.
BatchLoss autoencode_pairs(const Model::Impl& model, const PairBatch& batch, torch::Tensor& z);

/// The objective of a model kind; throws ConfigError for a kind solved in
/// closed form (TICA), which has none.
std::unique_ptr<Objective> make_objective(const std::string& model);

}  // namespace dynae
