#pragma once
// Kinetic validation of a representation: discretise it, estimate Markov
// state models over a range of lags, their implied timescales (with
// bootstrap intervals), a Chapman-Kolmogorov test, and VAMP-2 scores of
// candidate feature sets; for models with learned dynamics, the same
// timescales of the model's own latent SDE. What `dynae kinetics` runs and
// the report's Kinetics section shows.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "dynae/analysis/ck_test.h"
#include "dynae/analysis/landscape.h"
#include "dynae/analysis/msm.h"
#include "dynae/models/model.h"

namespace dynae {

struct KineticsOptions {
  std::vector<int64_t> lags;  ///< frames; empty = default_lags of the shortest trajectory
  ItsOptions its;             ///< processes, bootstrap samples, seed, reversible
  int64_t clusters = 0;       ///< k-means centres on the latent; 0 = the landscape's basins
  double regspace = 0;        ///< > 0: regular-space centres this far apart (latent units) instead
  LandscapeOptions landscape;
  int64_t ck_lag = 0;         ///< 0 = the converged lag of the main source
  int64_t ck_steps = 5;
  int64_t vamp_lag = 0;       ///< 0 = the CK lag
  double vamp_test_fraction = 0.2;
  double dt_frame = 1;        ///< physical time of one frame
  std::string time_unit = "frames";
  bool generate = true;       ///< run the learned dynamics of DynAE / SDE-VAE
  bool unit_diffusion = false;  ///< ... with the prior's unit noise, not the latent's measured diffusion
  void validate() const;
};

/// What to analyse. Exactly one of `states` or `latents` is given; `model`
/// (which encoded the latents) adds the learned dynamics; `truth` (one array
/// per trajectory) adds the ground truth's own basins; `vamp_candidates` are
/// further feature sets scored by VAMP-2 beside the latent.
struct KineticsInput {
  DiscreteTrajectories states;
  std::vector<Array> latents;
  const Model* model = nullptr;
  std::vector<Array> truth;
  std::vector<std::pair<std::string, std::vector<Array>>> vamp_candidates;
};

/// Implied timescales of one discretised source at every lag.
struct KineticsSource {
  std::string name;  ///< "states", "latent", "truth", "generated"
  std::string discretisation;
  int64_t states = 0;
  DiscreteTrajectories dtrajs;
  std::vector<ItsEstimate> its;     ///< one per lag that could be estimated
  std::vector<std::string> notes;   ///< lags left out and why; states dropped
  int64_t converged_lag = 0;        ///< see converged_lag()
};

struct VampRow {
  std::string name;
  int64_t lag = 0, features = 0, rank = 0;
  double score = 0;       ///< on all the data
  double test_score = 0;  ///< singular functions fitted on the training split, scored on the test split
};

struct KineticsResult {
  KineticsOptions options;
  std::vector<int64_t> lags;
  std::vector<KineticsSource> sources;  ///< main source first
  int64_t comparison_lag = 0;           ///< truth's converged lag when given, else the main source's
  CkResult ck;
  std::vector<int64_t> ck_set_of_state;
  std::vector<VampRow> vamp;
  const KineticsSource* source(const std::string& name) const;
};

/// Smallest lag whose slowest timescale is within `tolerance` (relative) of
/// the next lag's, both longer than their lags; else the largest lag whose
/// slowest timescale exceeds it; else the first lag.
int64_t converged_lag(const std::vector<ItsEstimate>& its, double tolerance = 0.05);

/// Runs the analysis. Throws DataError / ConfigError for bad input (named).
KineticsResult analyse_kinetics(const KineticsInput& input, const KineticsOptions& options);

/// Writes its.csv, ck.csv, vamp2.csv, msm_T_lag<L>.npy and
/// msm_active_lag<L>.npy (main source), stationary.npy (at the CK lag),
/// dtraj_<source><i>.npy, kinetics.md and the figures its.{png,svg},
/// ck.{png,svg} into `dir` (created).
void write_kinetics(const std::string& dir, const KineticsResult& result);
/// The names write_kinetics writes in its folder, as shell patterns.
std::vector<std::string> kinetics_output_names();

/// The Markdown summary written to kinetics.md.
std::string kinetics_summary(const KineticsResult& result);

/// Reads discrete trajectories, one .npy per trajectory: integers (any
/// integer or float dtype holding whole numbers), shape (T) or (T, 1), -1 =
/// unassigned. Errors name the file and the frame.
DiscreteTrajectories load_discrete_trajectories(const std::vector<std::string>& paths);

/// Splits frames (T, ...) concatenated from trajectories of `lengths` frames.
std::vector<Array> split_frames(const Array& all, const std::vector<int64_t>& lengths);

}  // namespace dynae
