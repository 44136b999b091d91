#pragma once
// Markov state models of discrete trajectories: transition counts at a lag,
// the largest strongly connected set, the maximum-likelihood transition
// matrix (reversible or not), its stationary distribution, eigenvalues and
// implied timescales, with bootstrap intervals.
//
// The estimators follow Prinz et al., J. Chem. Phys. 134, 174105 (2011):
// sliding-window counts, and for the reversible MLE the fixed-point
// iteration x_i <- sum_j (c_ij + c_ji) / (c_i / x_i + c_j / x_j) (their Eq. 37
// in the form that updates only the row sums), T_ij = x_ij / x_i.
#include <cstdint>
#include <string>
#include <vector>

#include "dynae/array.h"

namespace dynae {

/// Discrete trajectories: one state index per frame, -1 = unassigned (no
/// transition from or to such a frame is counted).
using DiscreteTrajectories = std::vector<std::vector<int64_t>>;

/// Number of states a set of discrete trajectories uses: 1 + the largest
/// label. Throws DataError for a label below -1 (naming trajectory and frame)
/// or when no frame is assigned.
int64_t count_states(const DiscreteTrajectories& dtrajs);

/// Dense (states x states) transition counts at `lag` frames, summed over
/// sliding windows inside each trajectory (never across two).
struct CountMatrix {
  int64_t states = 0;
  std::vector<double> counts;  ///< row-major, counts[i * states + j]: i at t, j at t + lag
  double at(int64_t i, int64_t j) const { return counts[static_cast<size_t>(i * states + j)]; }
  double total() const;
};

/// Throws DataError when a label is >= states or < -1, or when `lag` < 1;
/// trajectories shorter than lag + 1 frames add nothing (see
/// max_transitions to check that any pair is left).
CountMatrix count_transitions(const DiscreteTrajectories& dtrajs, int64_t states, int64_t lag);

/// Number of lag pairs (t, t + lag) the trajectories hold, assigned or not.
int64_t max_transitions(const DiscreteTrajectories& dtrajs, int64_t lag);

/// States of the largest strongly connected component of the count graph
/// (edge i -> j when c_ij > 0), ascending. Ties in size go to the component
/// with more counts. A state never seen forms no component.
std::vector<int64_t> largest_connected_set(const CountMatrix& c);

struct MsmOptions {
  bool reversible = true;
  double tolerance = 1e-12;        ///< reversible MLE: stop when the stationary vector moves less (max abs)
  int64_t max_iterations = 1000000;
};

/// A Markov state model at one lag, on its active (largest connected) set.
struct Msm {
  int64_t lag = 0;
  int64_t states = 0;                ///< states of the count matrix it was estimated from
  std::vector<int64_t> active;       ///< original index of each active state, ascending
  std::vector<int64_t> dropped;      ///< states seen in the data but outside the active set
  double active_count_fraction = 1;  ///< fraction of the counts between active states
  Array transition;                  ///< (n, n) row-stochastic on the active set
  std::vector<double> stationary;    ///< (n)
  /// Eigenvalues of the transition matrix ordered by decreasing modulus
  /// (real parts; for a reversible model they are real). eigenvalue_moduli
  /// holds |lambda|, which the timescales use.
  std::vector<double> eigenvalues, eigenvalue_moduli;
  bool converged = true;             ///< the reversible MLE iteration met its tolerance
  int64_t iterations = 0;

  int64_t active_states() const { return static_cast<int64_t>(active.size()); }
  /// ITS of processes 1..k: -lag / ln|lambda_i| in frames; +inf when
  /// |lambda_i| >= 1, 0 when lambda_i = 0. Fewer than k when the model has
  /// fewer than k + 1 states.
  std::vector<double> timescales(int64_t k) const;
  /// Index of original state s in the active set, -1 when not active.
  int64_t active_index(int64_t s) const;
};

/// Estimates the MSM from counts at `lag` on their largest connected set.
/// Throws DataError when there is no count at all.
Msm estimate_msm(const CountMatrix& counts, int64_t lag, const MsmOptions& options = {});

/// Counting and estimation in one call.
Msm estimate_msm(const DiscreteTrajectories& dtrajs, int64_t states, int64_t lag, const MsmOptions& options = {});

struct ItsOptions {
  int64_t processes = 3;       ///< slowest processes reported
  int64_t bootstrap = 0;       ///< bootstrap samples (0 = no intervals)
  double confidence = 0.95;    ///< central interval of the bootstrap distribution
  int64_t bootstrap_blocks = 20;  ///< with fewer trajectories than this: blocks of lag-pair starts
  uint64_t seed = 0;
  MsmOptions msm;
};

/// Implied timescales at one lag, with bootstrap intervals. Units: frames.
struct ItsEstimate {
  int64_t lag = 0;
  Msm msm;
  std::vector<double> timescales;    ///< point estimates, processes 1..k
  std::vector<double> lower, upper;  ///< interval bounds (= the estimate without bootstrap)
  int64_t bootstrap_samples = 0;     ///< samples that gave every reported process
  std::string resampled;             ///< "trajectories", "blocks" or "" (no bootstrap)
};

/// Bootstrap: with at least `bootstrap_blocks` trajectories whole trajectories
/// are drawn with replacement; otherwise each trajectory's lag-pair starts
/// are cut into blocks (bootstrap_blocks in all, spread by length) and blocks
/// are drawn, so no pair is lost. Each sample is estimated on its own
/// connected set; samples with fewer than processes + 1 active states are
/// left out of the interval.
ItsEstimate implied_timescales(const DiscreteTrajectories& dtrajs, int64_t states, int64_t lag,
                               const ItsOptions& options = {});

/// Log-spaced lags 1, 2, 5, 10, 20, 50, ... up to max(1, shortest / 10).
std::vector<int64_t> default_lags(const std::vector<int64_t>& lengths);

}  // namespace dynae
