#pragma once
// What a Sparse Transformation Analysis model (model kind sta) says about a
// sequence's transitions, and how well any model predicts the next frame.
#include <cstdint>
#include <vector>

#include "dynae/array.h"

namespace dynae {

class Model;

/// How well a model predicts frame t + lag from the frames at t and t + lag.
/// STA: the next frame decoded from z_t moved along its fields at the
/// transition's inferred speeds (the equivariance of encoder, fields and
/// decoder); other models: their reconstruction of frame t + lag (the
/// baseline that sees the whole next frame through its latent).
struct NextFrameError {
  int64_t transitions = 0;
  double mse = 0;       ///< mean squared error per target value
  /// sum |prediction - y_t+lag|^2 / sum |y_t - y_t+lag|^2: 0 = exact, 1 = no
  /// better than predicting no change. For STA: the equivariance error.
  double relative = 0;
  /// What the prediction learned from frame t + lag, nats per transition: STA
  /// the speeds' KL to their prior; the VAE and SDE-VAE the KL of frame t +
  /// lag's posterior to N(0, I); NaN for deterministic models.
  double kl = 0;
  int64_t values_per_frame = 0;
  /// Gaussian log-likelihood per target value at the maximum-likelihood noise
  /// variance (the mse): -0.5 log(2 pi e mse). Larger is better.
  double log_likelihood() const;
  /// The held-out evidence bound of frame t + lag given frame t, per value:
  /// log_likelihood() - kl / values_per_frame (for the VAE, of frame t + lag
  /// alone: it has no dynamics). Larger is better.
  double elbo() const;
};

/// Over every transition t -> t + lag within each trajectory; `targets` may
/// be empty (then the inputs are the targets). Throws DataError on shapes
/// that do not fit the model.
NextFrameError next_frame_error(const Model& model, const std::vector<Array>& inputs,
                                const std::vector<Array>& targets, int64_t lag);

struct TransformationAnalysis {
  int64_t lag = 1;
  /// Each field's scale: the root mean square of |v_k(z)| over the frames' latents (K);
  /// 1 on an STA model's own training frames (its fields are normalised there).
  std::vector<double> field_scale;
  /// Per trajectory (T - lag, K): each transition's speed along each field
  /// times that field's scale, so in latent units moved per transition and
  /// comparable between fields (the posterior means).
  std::vector<Array> speeds;
  /// Each field's share of the total |speed| over all transitions (K, sums to 1).
  std::vector<double> field_share;
  /// A field is active in a transition when it carries at least 10 % of that
  /// transition's total |speed|: the mean count of active fields.
  double active_fields = 0;
  /// In the latent: sum |z_t moved along the fields at the inferred speeds -
  /// z_t+lag|^2 / sum |z_t - z_t+lag|^2 (0 = the fields carry each latent
  /// exactly to the next; 1 = no better than staying).
  double latent_equivariance = 0;
  /// The divergence-free fields' share of the mean flow: each transition's
  /// velocity sum_k s_k v_k(z_t) split into the curl-free fields' part and
  /// the divergence-free fields' part, both averaged per cell of a 20 x 20
  /// grid over the latent's first two coordinates (cells with >= 20
  /// transitions; the noise of single moves averages out, the drift stays),
  /// then sum_cells n |mean rotational part|^2 / sum_cells n |mean total|^2.
  /// 0 without divergence-free fields; NaN when no cell has enough transitions.
  double rotational_share = 0;
  /// In frame space (next_frame.relative): the same through the decoder.
  NextFrameError next_frame;
};

/// The analysis of an STA model on trajectories (throws Error for other models).
TransformationAnalysis analyse_transformations(const Model& model, const std::vector<Array>& inputs,
                                               const std::vector<Array>& targets, int64_t lag);

/// With the truth of which primitive moved each transition (labels, one per
/// transition of the concatenated `speeds`, negative = unlabelled): per
/// primitive p, the field with the largest mean |speed| over p's transitions
/// and the share of their total |speed| it carries.
struct PrimitiveCarry {
  int64_t label = 0;
  int64_t transitions = 0;
  int64_t field = -1;
  double share = 0;
};
std::vector<PrimitiveCarry> primitive_carry(const std::vector<Array>& speeds, const std::vector<int64_t>& labels);

}  // namespace dynae
