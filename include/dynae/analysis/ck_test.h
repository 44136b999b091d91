#pragma once
// The Chapman-Kolmogorov test of a Markov state model: does the model at lag
// tau, propagated k times, predict what a model estimated at lag k tau sees?
#include <cstdint>
#include <vector>

#include "dynae/analysis/msm.h"

namespace dynae {

struct CkOptions {
  int64_t steps = 5;  ///< K: multiples k = 1..K of the lag (fewer when k tau reaches the longest trajectory)
  MsmOptions msm;
};

/// For each pair of sets (A, B): starting in A with the lag-tau model's
/// stationary weights restricted to A, the probability of being in B after
/// k tau, predicted as p_A T(tau)^k 1_B and estimated as p_A T(k tau) 1_B
/// from a model estimated at lag k tau (same starting weights, on the states
/// both models have active).
struct CkResult {
  int64_t lag = 0, sets = 0;
  std::vector<int64_t> set_ids;            ///< the given set label of each tested set (row / column)
  std::vector<int64_t> multiples;          ///< k = 1..K actually tested
  std::vector<double> predicted, estimated;  ///< [k-index][A][B], row-major
  double max_deviation = 0;                ///< max |predicted - estimated| over k, A, B
  double at_predicted(size_t k, int64_t a, int64_t b) const { return predicted[(k * sets + a) * sets + b]; }
  double at_estimated(size_t k, int64_t a, int64_t b) const { return estimated[(k * sets + a) * sets + b]; }
};

/// `set_of_state` maps each state to a set 0..S-1 (-1: in no set); empty =
/// every state is its own set. Sets without a state in the lag-tau model's
/// connected set are left out (set_ids lists those tested). Throws DataError
/// when no set is left, or when not even k = 1 can be estimated.
CkResult ck_test(const DiscreteTrajectories& dtrajs, int64_t states, int64_t lag,
                 const std::vector<int64_t>& set_of_state = {}, const CkOptions& options = {});

}  // namespace dynae
