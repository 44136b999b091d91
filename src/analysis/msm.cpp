#include "dynae/analysis/msm.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

#include "dynae/errors.h"

namespace dynae {
namespace {

void check_lag(int64_t lag) {
  if (lag < 1) throw DataError("MSM: lag must be >= 1 frame, got " + std::to_string(lag));
}

/// Adds the pairs (t, t + lag) with t in [begin, end) of one trajectory.
void add_pairs(const std::vector<int64_t>& s, int64_t lag, int64_t begin, int64_t end, int64_t states, double* counts) {
  const int64_t last = std::min<int64_t>(end, static_cast<int64_t>(s.size()) - lag);
  for (int64_t t = begin; t < last; ++t) {
    const int64_t a = s[t], b = s[t + lag];
    if (a >= 0 && b >= 0) counts[a * states + b] += 1;
  }
}

/// Reversible MLE on the active set: row sums x_i by the fixed point, then
/// x_ij = (c_ij + c_ji) / (c_i / x_i + c_j / x_j).
void reversible_mle(const Eigen::MatrixXd& c, const MsmOptions& o, Msm& m) {
  const int64_t n = c.rows();
  const Eigen::MatrixXd cs = c + c.transpose();
  const Eigen::VectorXd ci = c.rowwise().sum();
  // Nonzero entries of the symmetrised counts (upper triangle incl. diagonal).
  std::vector<int64_t> ii, jj;
  std::vector<double> cc;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = i; j < n; ++j) {
      if (cs(i, j) > 0) {
        ii.push_back(i);
        jj.push_back(j);
        cc.push_back(cs(i, j));
      }
    }
  }
  Eigen::VectorXd x = cs.rowwise().sum(), next(n);
  x /= x.sum();
  m.converged = false;
  for (m.iterations = 1; m.iterations <= o.max_iterations; ++m.iterations) {
    next.setZero();
    for (size_t k = 0; k < cc.size(); ++k) {
      const int64_t i = ii[k], j = jj[k];
      const double v = cc[k] / (ci(i) / x(i) + ci(j) / x(j));
      next(i) += v;
      if (i != j) next(j) += v;
    }
    next /= next.sum();
    const double change = (next - x).cwiseAbs().maxCoeff();
    x.swap(next);
    if (change < o.tolerance) {
      m.converged = true;
      break;
    }
  }
  m.iterations = std::min(m.iterations, o.max_iterations);
  Eigen::MatrixXd xs = Eigen::MatrixXd::Zero(n, n);
  for (size_t k = 0; k < cc.size(); ++k) {
    const int64_t i = ii[k], j = jj[k];
    const double v = cc[k] / (ci(i) / x(i) + ci(j) / x(j));
    xs(i, j) = v;
    xs(j, i) = v;
  }
  const Eigen::VectorXd rows = xs.rowwise().sum();
  m.transition = Array::zeros({n, n});
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) m.transition.data[i * n + j] = xs(i, j) / rows(i);
  }
  m.stationary.assign(rows.data(), rows.data() + n);
  const double total = rows.sum();
  for (double& p : m.stationary) p /= total;
  // Eigenvalues from the symmetric D^1/2 T D^-1/2.
  Eigen::MatrixXd s(n, n);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) s(i, j) = xs(i, j) / std::sqrt(rows(i) * rows(j));
  }
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(s, Eigen::EigenvaluesOnly);
  std::vector<double> ev(es.eigenvalues().data(), es.eigenvalues().data() + n);
  std::sort(ev.begin(), ev.end(), [](double a, double b) { return std::abs(a) > std::abs(b); });
  m.eigenvalues = ev;
  m.eigenvalue_moduli.resize(n);
  for (int64_t i = 0; i < n; ++i) m.eigenvalue_moduli[i] = std::abs(ev[i]);
}

void nonreversible_mle(const Eigen::MatrixXd& c, Msm& m) {
  const int64_t n = c.rows();
  Eigen::MatrixXd t = c;
  for (int64_t i = 0; i < n; ++i) t.row(i) /= c.row(i).sum();
  m.transition = Array::zeros({n, n});
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) m.transition.data[i * n + j] = t(i, j);
  }
  const Eigen::EigenSolver<Eigen::MatrixXd> es(t.transpose(), true);
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](int64_t a, int64_t b) { return std::abs(es.eigenvalues()(a)) > std::abs(es.eigenvalues()(b)); });
  m.eigenvalues.resize(n);
  m.eigenvalue_moduli.resize(n);
  for (int64_t k = 0; k < n; ++k) {
    m.eigenvalues[k] = es.eigenvalues()(order[k]).real();
    m.eigenvalue_moduli[k] = std::abs(es.eigenvalues()(order[k]));
  }
  // Stationary distribution: the left eigenvector of the eigenvalue nearest 1.
  int64_t one = 0;
  for (int64_t k = 1; k < n; ++k) {
    if (std::abs(es.eigenvalues()(k) - 1.0) < std::abs(es.eigenvalues()(one) - 1.0)) one = k;
  }
  Eigen::VectorXd p = es.eigenvectors().col(one).real();
  p /= p.sum();
  m.stationary.assign(p.data(), p.data() + n);
  for (double& v : m.stationary) v = std::max(0.0, v);
  const double s = std::accumulate(m.stationary.begin(), m.stationary.end(), 0.0);
  for (double& v : m.stationary) v /= s;
  m.converged = true;
  m.iterations = 0;
}

}  // namespace

double CountMatrix::total() const { return std::accumulate(counts.begin(), counts.end(), 0.0); }

int64_t count_states(const DiscreteTrajectories& dtrajs) {
  int64_t top = -1;
  for (size_t k = 0; k < dtrajs.size(); ++k) {
    for (size_t t = 0; t < dtrajs[k].size(); ++t) {
      const int64_t s = dtrajs[k][t];
      if (s < -1) {
        throw DataError("discrete trajectory " + std::to_string(k) + ", frame " + std::to_string(t) + ": state " +
                        std::to_string(s) + " (expected a state index >= 0, or -1 for unassigned)");
      }
      top = std::max(top, s);
    }
  }
  if (top < 0) throw DataError("discrete trajectories: no frame is assigned to a state (all -1, or no frames)");
  return top + 1;
}

CountMatrix count_transitions(const DiscreteTrajectories& dtrajs, int64_t states, int64_t lag) {
  check_lag(lag);
  if (states < 1) throw DataError("MSM: need at least one state, got " + std::to_string(states));
  for (size_t k = 0; k < dtrajs.size(); ++k) {
    for (size_t t = 0; t < dtrajs[k].size(); ++t) {
      const int64_t s = dtrajs[k][t];
      if (s < -1 || s >= states) {
        throw DataError("discrete trajectory " + std::to_string(k) + ", frame " + std::to_string(t) + ": state " +
                        std::to_string(s) + " (expected -1 or 0.." + std::to_string(states - 1) + ")");
      }
    }
  }
  CountMatrix c;
  c.states = states;
  c.counts.assign(static_cast<size_t>(states * states), 0.0);
  for (const auto& s : dtrajs) add_pairs(s, lag, 0, static_cast<int64_t>(s.size()), states, c.counts.data());
  return c;
}

int64_t max_transitions(const DiscreteTrajectories& dtrajs, int64_t lag) {
  int64_t n = 0;
  for (const auto& s : dtrajs) n += std::max<int64_t>(0, static_cast<int64_t>(s.size()) - lag);
  return n;
}

std::vector<int64_t> largest_connected_set(const CountMatrix& c) {
  const int64_t n = c.states;
  std::vector<std::vector<int64_t>> adj(n);
  std::vector<double> seen(n, 0.0);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      if (c.at(i, j) > 0) {
        adj[i].push_back(j);
        seen[i] += c.at(i, j);
        seen[j] += c.at(i, j);
      }
    }
  }
  // Tarjan's algorithm, iterative.
  std::vector<int64_t> index(n, -1), low(n, 0), stack, comp(n, -1);
  std::vector<char> on_stack(n, 0);
  std::vector<std::pair<int64_t, size_t>> call;
  int64_t next_index = 0, components = 0;
  for (int64_t root = 0; root < n; ++root) {
    if (index[root] >= 0 || seen[root] == 0) continue;
    call.push_back({root, 0});
    while (!call.empty()) {
      auto& [v, e] = call.back();
      if (e == 0 && index[v] < 0) {
        index[v] = low[v] = next_index++;
        stack.push_back(v);
        on_stack[v] = 1;
      }
      if (e < adj[v].size()) {
        const int64_t w = adj[v][e++];
        if (index[w] < 0) {
          call.push_back({w, 0});
        } else if (on_stack[w]) {
          low[v] = std::min(low[v], index[w]);
        }
        continue;
      }
      if (low[v] == index[v]) {
        int64_t w;
        do {
          w = stack.back();
          stack.pop_back();
          on_stack[w] = 0;
          comp[w] = components;
        } while (w != v);
        ++components;
      }
      const int64_t done = v;
      call.pop_back();
      if (!call.empty()) low[call.back().first] = std::min(low[call.back().first], low[done]);
    }
  }
  if (components == 0) return {};
  std::vector<int64_t> size(components, 0);
  std::vector<double> weight(components, 0.0);
  for (int64_t i = 0; i < n; ++i) {
    if (comp[i] >= 0) {
      ++size[comp[i]];
      for (int64_t j = 0; j < n; ++j) {
        if (comp[j] == comp[i]) weight[comp[i]] += c.at(i, j);
      }
    }
  }
  int64_t best = 0;
  for (int64_t k = 1; k < components; ++k) {
    if (size[k] > size[best] || (size[k] == size[best] && weight[k] > weight[best])) best = k;
  }
  std::vector<int64_t> out;
  for (int64_t i = 0; i < n; ++i) {
    if (comp[i] == best) out.push_back(i);
  }
  return out;
}

std::vector<double> Msm::timescales(int64_t k) const {
  std::vector<double> out;
  for (int64_t i = 1; i <= k && i < static_cast<int64_t>(eigenvalue_moduli.size()); ++i) {
    const double l = eigenvalue_moduli[i];
    if (l >= 1) {
      out.push_back(std::numeric_limits<double>::infinity());
    } else if (l <= 0) {
      out.push_back(0.0);
    } else {
      out.push_back(-static_cast<double>(lag) / std::log(l));
    }
  }
  return out;
}

int64_t Msm::active_index(int64_t s) const {
  const auto it = std::lower_bound(active.begin(), active.end(), s);
  return it != active.end() && *it == s ? static_cast<int64_t>(it - active.begin()) : -1;
}

Msm estimate_msm(const CountMatrix& counts, int64_t lag, const MsmOptions& options) {
  check_lag(lag);
  const double total = counts.total();
  if (total <= 0) {
    throw DataError("MSM at lag " + std::to_string(lag) +
                    ": no transition counted (trajectories no longer than the lag, or every frame unassigned)");
  }
  Msm m;
  m.lag = lag;
  m.states = counts.states;
  m.active = largest_connected_set(counts);
  std::vector<char> in(counts.states, 0);
  for (int64_t s : m.active) in[s] = 1;
  double active_total = 0;
  for (int64_t i = 0; i < counts.states; ++i) {
    double row = 0, col = 0;
    for (int64_t j = 0; j < counts.states; ++j) {
      row += counts.at(i, j);
      col += counts.at(j, i);
      if (in[i] && in[j]) active_total += counts.at(i, j);
    }
    if (!in[i] && (row > 0 || col > 0)) m.dropped.push_back(i);
  }
  m.active_count_fraction = active_total / total;
  const int64_t n = m.active_states();
  Eigen::MatrixXd c(n, n);
  for (int64_t a = 0; a < n; ++a) {
    for (int64_t b = 0; b < n; ++b) c(a, b) = counts.at(m.active[a], m.active[b]);
  }
  if (options.reversible) {
    reversible_mle(c, options, m);
  } else {
    nonreversible_mle(c, m);
  }
  return m;
}

Msm estimate_msm(const DiscreteTrajectories& dtrajs, int64_t states, int64_t lag, const MsmOptions& options) {
  return estimate_msm(count_transitions(dtrajs, states, lag), lag, options);
}

ItsEstimate implied_timescales(const DiscreteTrajectories& dtrajs, int64_t states, int64_t lag, const ItsOptions& o) {
  if (o.processes < 1) throw ConfigError("implied timescales: processes must be >= 1, got " + std::to_string(o.processes));
  if (o.bootstrap < 0) throw ConfigError("implied timescales: bootstrap samples must be >= 0, got " + std::to_string(o.bootstrap));
  if (!(o.confidence > 0 && o.confidence < 1)) throw ConfigError("implied timescales: confidence must be in (0, 1)");
  if (max_transitions(dtrajs, lag) == 0) {
    int64_t longest = 0;
    for (const auto& s : dtrajs) longest = std::max<int64_t>(longest, static_cast<int64_t>(s.size()));
    throw DataError("MSM: lag " + std::to_string(lag) + " frames is not shorter than any trajectory (longest: " +
                    std::to_string(longest) + " frames)");
  }
  ItsEstimate r;
  r.lag = lag;
  r.msm = estimate_msm(count_transitions(dtrajs, states, lag), lag, o.msm);
  r.timescales = r.msm.timescales(o.processes);
  r.lower = r.upper = r.timescales;
  if (o.bootstrap == 0) return r;
  // Resampling units: each holds the sparse counts of its lag pairs.
  struct Unit {
    std::vector<int64_t> cell;
    std::vector<double> count;
  };
  std::vector<Unit> units;
  const bool whole = static_cast<int64_t>(dtrajs.size()) >= o.bootstrap_blocks;
  r.resampled = whole ? "trajectories" : "blocks";
  const int64_t pairs = max_transitions(dtrajs, lag);
  std::vector<double> scratch(static_cast<size_t>(states * states), 0.0);
  auto add_unit = [&](const std::vector<int64_t>& s, int64_t begin, int64_t end) {
    std::fill(scratch.begin(), scratch.end(), 0.0);
    add_pairs(s, lag, begin, end, states, scratch.data());
    Unit u;
    for (size_t c = 0; c < scratch.size(); ++c) {
      if (scratch[c] > 0) {
        u.cell.push_back(static_cast<int64_t>(c));
        u.count.push_back(scratch[c]);
      }
    }
    units.push_back(std::move(u));
  };
  for (const auto& s : dtrajs) {
    const int64_t n = std::max<int64_t>(0, static_cast<int64_t>(s.size()) - lag);
    if (n == 0) continue;
    const int64_t blocks = whole ? 1 : std::max<int64_t>(1, (o.bootstrap_blocks * n + pairs / 2) / pairs);
    for (int64_t b = 0; b < blocks; ++b) add_unit(s, b * n / blocks, (b + 1) * n / blocks);
  }
  std::mt19937_64 rng(o.seed);
  std::uniform_int_distribution<size_t> pick(0, units.size() - 1);
  std::vector<std::vector<double>> samples(static_cast<size_t>(o.processes));
  CountMatrix c;
  c.states = states;
  for (int64_t b = 0; b < o.bootstrap; ++b) {
    c.counts.assign(static_cast<size_t>(states * states), 0.0);
    for (size_t k = 0; k < units.size(); ++k) {
      const Unit& u = units[pick(rng)];
      for (size_t e = 0; e < u.cell.size(); ++e) c.counts[u.cell[e]] += u.count[e];
    }
    if (c.total() <= 0) continue;
    const Msm m = estimate_msm(c, lag, o.msm);
    const std::vector<double> ts = m.timescales(o.processes);
    if (static_cast<int64_t>(ts.size()) < o.processes) continue;
    for (int64_t p = 0; p < o.processes; ++p) samples[p].push_back(ts[p]);
    ++r.bootstrap_samples;
  }
  if (r.bootstrap_samples == 0) return r;
  auto quantile = [](std::vector<double> v, double q) {
    std::sort(v.begin(), v.end());
    const double pos = q * static_cast<double>(v.size() - 1);
    const size_t lo = static_cast<size_t>(std::floor(pos));
    const size_t hi = std::min(lo + 1, v.size() - 1);
    if (std::isinf(v[lo]) || std::isinf(v[hi])) return v[pos - lo < 0.5 ? lo : hi];
    return v[lo] + (pos - lo) * (v[hi] - v[lo]);
  };
  const double a = (1 - o.confidence) / 2;
  for (size_t p = 0; p < r.timescales.size(); ++p) {
    r.lower[p] = quantile(samples[p], a);
    r.upper[p] = quantile(samples[p], 1 - a);
  }
  return r;
}

std::vector<int64_t> default_lags(const std::vector<int64_t>& lengths) {
  int64_t shortest = std::numeric_limits<int64_t>::max();
  for (int64_t l : lengths) shortest = std::min(shortest, l);
  if (lengths.empty()) shortest = 10;
  const int64_t top = std::max<int64_t>(1, shortest / 10);
  std::vector<int64_t> lags;
  for (int64_t decade = 1; decade <= top; decade *= 10) {
    for (int64_t m : {1, 2, 5}) {
      if (m * decade <= top) lags.push_back(m * decade);
    }
  }
  return lags;
}

}  // namespace dynae
