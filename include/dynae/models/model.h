#pragma once
// A fitted model (DynAE or a baseline): applies its weights (encode,
// decode, the learned latent dynamics) and saves itself. An Estimator
// (dynae/training/estimator.h) trains one.
#include <memory>
#include <string>
#include <vector>

#include "dynae/array.h"
#include "dynae/models/model_options.h"

namespace dynae {

/// How well a trained latent resolves the data's slowest process, measured
/// without ground truth (analysis/slow_timescale.h): the slowest implied
/// timescale of a 50-state MSM on the latent of every training frame at
/// `lag`. Larger is better (the variational principle). With several starts
/// (option starts), each start's figure after start_epochs and the one kept.
struct TrainingQuality {
  int64_t lag = 0;        ///< frames; 0 = not measured (TICA, older checkpoints)
  double timescale = 0;   ///< slowest implied timescale of the final latent, frames
  double second = 0;      ///< the next slowest, frames
  std::vector<double> start_timescales;  ///< each start's slowest timescale after start_epochs (empty: one start)
  int64_t chosen_start = 0;              ///< index into start_timescales of the start trained on
  bool measured() const { return lag > 0; }
};

/// What the training's dynamics could not identify, measured without ground
/// truth (analysis/identifiability.h) on the encoded training frames: along
/// each eigen-direction of the learned force's mean Jacobian (population
/// weighted: the mean over the frames), the relaxation per lag kappa. A
/// direction with kappa > 1 relaxes within one lag: its scale is not fixed by
/// the moves, and the isometry claim does not hold along it.
struct Identifiability {
  int64_t substeps = 1;           ///< the prior's Euler substeps per lag
  /// Per direction, descending: lambda, the eigenvalue of -(J + J^T)/2 of the
  /// mean Jacobian J of the force (per lag), and kappa = -S ln(1 - lambda / S)
  /// (S substeps), the continuous relaxation rate times the lag that S Euler
  /// steps of that drift stand for (curvature x lag for a harmonic well);
  /// infinite when lambda >= S.
  std::vector<double> lambda, kappa;
  Array directions;               ///< (d, d): row i is direction i (unit length)
  std::vector<double> diffusion;  ///< the latent's measured diffusion along each direction (empty: not measured)
  /// kappa along the same directions from the first and the second half of
  /// the frames: the run's own two independent estimates.
  std::vector<double> kappa_first_half, kappa_second_half;
  bool measured() const { return !kappa.empty(); }
  /// Directions with kappa > 1 (relaxed within one lag).
  std::vector<int64_t> flagged() const;
  /// How far the halves' estimates disagree: the largest over the directions
  /// of |first - second| / their mean (0 = the same; NaN when not measured).
  /// The kappas' own spread: a figure well beyond ~0.2 says the estimate is not settled.
  double halves_spread() const;
};

/// A fitted model. Immutable: training further never changes a model that
/// was handed out. Cheap to copy (shares its weights).
class Model {
 public:
  struct Impl;

  /// Latents of frames x (N, ...) -> (N, d); for the VAE, SDE-VAE and STA the
  /// posterior mean.
  Array encode(const Array& x) const;
  /// Posterior log-variances (N, d) of the VAE, SDE-VAE and STA; throws Error for
  /// deterministic models (see is_variational()).
  Array log_variance(const Array& x) const;
  /// KL(q(z | x) || N(0, I)) per frame (N), nats: what locating each frame in
  /// the latent costs (VAE, SDE-VAE, STA; others throw Error).
  Array posterior_kl(const Array& x) const;
  /// Reconstructions of latents z (N, d) -> (N, ...target frame shape).
  Array decode(const Array& z) const;
  /// Encode then decode.
  Array reconstruct(const Array& x) const;

  /// Force f(z) of the learned latent dynamics at z (N, d) -> (N, d).
  /// DynAE and SDE-VAE only (see has_dynamics()); others throw Error.
  Array force(const Array& z) const;
  /// The model's own free energy U(z) (N), in kT up to an additive constant:
  /// the potential of a conservative force f = -grad U (force_field =
  /// conservative), whose latent SDE has stationary density exp(-U). Throws
  /// Error for other models (see has_potential()).
  Array free_energy(const Array& z) const;
  bool has_potential() const;
  /// Diagonal diffusion D(z) (N, d); ones when diffusion is not learned.
  Array diffusion(const Array& z) const;
  /// The diffusion matrix the latent actually has, (d, d): for a DynAE with
  /// a free force, fixed unit diffusion and one Euler step per lag, measured
  /// at the end of training from the training pairs' residual moves,
  /// D = E[(z1 - z0 - f(z0)) (z1 - z0 - f(z0))^T] / 2 (the maximum-likelihood
  /// constant diffusion given the refitted force). The prior assumes D = I;
  /// the encoder reaches it to a few per cent, and a latent that moves less
  /// than the unit noise is run "hotter" than the data by the unit-noise
  /// dynamics (barriers crossed too often). simulate_latent uses it. Empty
  /// for other models and for checkpoints written before it was measured.
  const Array& latent_diffusion() const;

  /// Runs the learned latent dynamics, the model's own transition density
  /// (DynAE: z' = z + D f + div D + sqrt(2 D) xi; SDE-VAE: z' = z + f + xi;
  /// a DynAE with a measured latent_diffusion() D: z' = z + f + L xi with
  /// L L^T = 2 D, unless `unit_diffusion`, which keeps the prior's D = I),
  /// one step per lag, from each row of z0 (M, d) for `steps` steps, with
  /// noise from `seed`. Returns (steps + 1, M, d); row 0 is z0. Throws Error
  /// for models without dynamics and when the trajectory leaves the finite numbers.
  /// A conservative force (force_field = conservative) takes Metropolis-adjusted
  /// steps (MALA: that move proposed, accepted with probability
  /// min(1, exp(U(z) - U(z')) q(z | z') / q(z' | z))), so the generated
  /// stationary density is exp(-U) exactly; `acceptance` (if given) receives
  /// the fraction of moves accepted (NaN for the other dynamics).
  Array simulate_latent(const Array& z0, int64_t steps, uint64_t seed, double* acceptance = nullptr,
                        bool unit_diffusion = false) const;

  /// STA (Sparse Transformation Analysis) only; others throw Error (see
  /// flow_field_count()). The number K of learned flow fields, the curl-free
  /// ones first (options sta_potential_fields, sta_rotational_fields); 0 for other models.
  int64_t flow_field_count() const;
  /// Every field at latents z (N, d): (N, K, d).
  Array flow_fields(const Array& z) const;
  /// The inferred speeds of the transitions x0[i] -> x1[i] (frames, N each):
  /// the posterior means of q(s | x0, x1), (N, K), in the fields' own units.
  Array transition_speeds(const Array& x0, const Array& x1) const;
  /// The information (nats) each transition's speeds cost: KL(q(s | x0, x1) ||
  /// p(s)) under the learned speed prior, (N).
  Array speed_kl(const Array& x0, const Array& x1) const;
  /// Latents z (N, d) moved for unit time along sum_k s_k v_k by speeds s
  /// (N, K): the model's latent transformation of each row.
  Array transport(const Array& z, const Array& speeds) const;

  /// The canonical model name: "dynae", "vae", "swae", "sdevae", "tae", "tica", "sta".
  const std::string& model_name() const;
  bool is_variational() const;
  bool has_dynamics() const;
  /// TICA: all eigenvalues of the generalized problem, descending (empty otherwise).
  const Array& eigenvalues() const;

  /// Cluster centres (K, d) of the last resampling (empty before epoch 1).
  const Array& cluster_centers() const;
  const ModelOptions& options() const;
  const std::vector<int64_t>& input_frame_shape() const;
  const std::vector<int64_t>& target_frame_shape() const;
  /// Names of the input features it was trained on (columns of COLVAR / CSV
  /// inputs, in input order); empty when it was trained on .npy arrays.
  const std::vector<std::string>& feature_names() const;
  /// Throws DataError naming the frames' source (`source`, e.g. a file) when
  /// `x`'s frames are not of the shape this model takes: "'z.npy': frames of
  /// shape (2); the model takes frames of shape (45) ...".
  void check_input_frames(const Array& x, const std::string& source) const;
  /// Epochs this model was trained for.
  int64_t epochs_trained() const;
  /// The run's own quality figure and the starts' (see TrainingQuality).
  const TrainingQuality& quality() const;
  /// What the run could not identify (DynAE; not measured for other models
  /// and for checkpoints written before it was).
  const Identifiability& identifiability() const;

  /// Writes a checkpoint atomically (serialised in memory, written to a
  /// temporary file, then renamed); CheckpointError when it cannot be
  /// written (a full disk), leaving any earlier file in place.
  void save(const std::string& path) const;
  /// Reads a checkpoint; throws CheckpointError naming the file when it is
  /// not one, is damaged (its CRC-32 does not match) or holds non-finite weights.
  static Model load(const std::string& path);
  /// The checkpoint's bytes, and a model from them (`what` names the source in errors).
  std::string to_bytes() const;
  static Model from_bytes(const std::string& bytes, const std::string& what);

  explicit Model(std::shared_ptr<const Impl> impl);
  const Impl& impl() const { return *impl_; }

 private:
  std::shared_ptr<const Impl> impl_;
};

}  // namespace dynae
