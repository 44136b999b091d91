#include "dynae/analysis/ck_test.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <string>

#include "dynae/errors.h"

namespace dynae {
namespace {

Eigen::MatrixXd matrix_of(const Msm& m) {
  const int64_t n = m.active_states();
  Eigen::MatrixXd t(n, n);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) t(i, j) = m.transition.data[i * n + j];
  }
  return t;
}

}  // namespace

CkResult ck_test(const DiscreteTrajectories& dtrajs, int64_t states, int64_t lag, const std::vector<int64_t>& set_of_state,
                 const CkOptions& o) {
  if (o.steps < 1) throw ConfigError("CK test: steps (K) must be >= 1, got " + std::to_string(o.steps));
  std::vector<int64_t> sets = set_of_state;
  if (sets.empty()) {
    sets.resize(states);
    for (int64_t s = 0; s < states; ++s) sets[s] = s;
  }
  if (static_cast<int64_t>(sets.size()) != states) {
    throw DataError("CK test: " + std::to_string(sets.size()) + " set labels for " + std::to_string(states) + " states");
  }
  const int64_t labels = *std::max_element(sets.begin(), sets.end()) + 1;
  if (labels < 1) throw DataError("CK test: no state belongs to a set");
  const Msm base = estimate_msm(dtrajs, states, lag, o.msm);
  const int64_t n = base.active_states();
  // Sets holding an active state of the lag-tau model are tested, renumbered 0..S-1.
  std::vector<int64_t> row(labels, -1);
  CkResult r;
  for (int64_t a = 0; a < n; ++a) {
    const int64_t l = sets[base.active[a]];
    if (l >= 0) row[l] = -2;  // present
  }
  for (int64_t l = 0; l < labels; ++l) {
    if (row[l] == -2) {
      row[l] = static_cast<int64_t>(r.set_ids.size());
      r.set_ids.push_back(l);
    }
  }
  const int64_t nsets = static_cast<int64_t>(r.set_ids.size());
  if (nsets == 0) throw DataError("CK test at lag " + std::to_string(lag) + ": no set holds a state of the model's connected set");
  for (int64_t& l : sets) l = l >= 0 ? row[l] : -1;
  r.lag = lag;
  r.sets = nsets;
  const Eigen::MatrixXd t = matrix_of(base);
  Eigen::MatrixXd power = Eigen::MatrixXd::Identity(n, n);
  for (int64_t k = 1; k <= o.steps; ++k) {
    if (max_transitions(dtrajs, k * lag) == 0) break;
    Msm mk;
    try {
      mk = estimate_msm(dtrajs, states, k * lag, o.msm);
    } catch (const DataError&) {
      break;  // no counts left at this multiple
    }
    power = power * t;
    // Starting weights on the states both models have active, renormalised per set.
    const int64_t nk = mk.active_states();
    Eigen::MatrixXd pk = Eigen::MatrixXd::Zero(nsets, nk), pb = Eigen::MatrixXd::Zero(nsets, n);
    for (int64_t a = 0; a < n; ++a) {
      const int64_t s = sets[base.active[a]];
      const int64_t b = mk.active_index(base.active[a]);
      if (s < 0 || b < 0) continue;
      pk(s, b) = base.stationary[a];
      pb(s, a) = base.stationary[a];
    }
    bool usable = true;
    for (int64_t s = 0; s < nsets; ++s) {
      const double w = pb.row(s).sum();
      if (!(w > 0)) usable = false;
      pk.row(s) /= w;
      pb.row(s) /= w;
    }
    if (!usable) break;  // a set lost every state at this multiple
    Eigen::MatrixXd ind_b = Eigen::MatrixXd::Zero(n, nsets), ind_k = Eigen::MatrixXd::Zero(nk, nsets);
    for (int64_t a = 0; a < n; ++a) {
      if (sets[base.active[a]] >= 0) ind_b(a, sets[base.active[a]]) = 1;
    }
    for (int64_t a = 0; a < nk; ++a) {
      if (sets[mk.active[a]] >= 0) ind_k(a, sets[mk.active[a]]) = 1;
    }
    const Eigen::MatrixXd pred = pb * power * ind_b, est = pk * matrix_of(mk) * ind_k;
    r.multiples.push_back(k);
    for (int64_t a = 0; a < nsets; ++a) {
      for (int64_t b = 0; b < nsets; ++b) {
        r.predicted.push_back(pred(a, b));
        r.estimated.push_back(est(a, b));
        r.max_deviation = std::max(r.max_deviation, std::abs(pred(a, b) - est(a, b)));
      }
    }
  }
  if (r.multiples.empty()) {
    throw DataError("CK test at lag " + std::to_string(lag) + ": not even one multiple of the lag can be estimated");
  }
  return r;
}

}  // namespace dynae
