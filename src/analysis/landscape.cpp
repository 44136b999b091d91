#include "dynae/analysis/landscape.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <sstream>

#include "dynae/errors.h"

namespace dynae {
namespace {

/// Neighbours of flat bin b on an n^dims grid (8-neighbourhood in 2-D).
std::vector<int64_t> neighbours(int64_t b, int64_t n, int64_t dims) {
  std::vector<int64_t> out;
  if (dims == 1) {
    if (b > 0) out.push_back(b - 1);
    if (b + 1 < n) out.push_back(b + 1);
    return out;
  }
  const int64_t i = b / n, j = b % n;
  for (int64_t di = -1; di <= 1; ++di) {
    for (int64_t dj = -1; dj <= 1; ++dj) {
      if ((di || dj) && i + di >= 0 && i + di < n && j + dj >= 0 && j + dj < n) out.push_back((i + di) * n + j + dj);
    }
  }
  return out;
}

/// Separable Gaussian smoothing of counts on the grid (sd in bins; 0 = none).
std::vector<double> smooth(const std::vector<double>& c, int64_t n, int64_t dims, double sd) {
  if (sd <= 0) return c;
  const int64_t r = static_cast<int64_t>(std::ceil(3 * sd));
  std::vector<double> k(2 * r + 1);
  for (int64_t i = -r; i <= r; ++i) k[i + r] = std::exp(-0.5 * i * i / (sd * sd));
  std::vector<double> out = c;
  for (int64_t axis = 0; axis < dims; ++axis) {
    std::vector<double> next(out.size(), 0.0);
    const int64_t stride = dims == 2 && axis == 0 ? n : 1;
    for (int64_t b = 0; b < static_cast<int64_t>(out.size()); ++b) {
      const int64_t pos = dims == 2 ? (axis == 0 ? b / n : b % n) : b;
      double s = 0;
      for (int64_t o = -r; o <= r; ++o) {
        if (pos + o >= 0 && pos + o < n) s += k[o + r] * out[b + o * stride];
      }
      next[b] = s;
    }
    out.swap(next);
  }
  return out;
}

}  // namespace

void LandscapeOptions::validate() const {
  auto fail = [](const std::string& m) { throw ConfigError("landscape: " + m); };
  if (bins < 4 || bins > 4096) fail("bins = " + std::to_string(bins) + " must be from 4 to 4096");
  if (!(padding >= 0 && padding <= 1)) fail("padding must be in [0, 1]");
  if (!(smoothing >= 0 && smoothing <= 10)) fail("smoothing must be in [0, 10] bins");
  if (!(min_barrier >= 0 && std::isfinite(min_barrier))) fail("min_barrier must be >= 0 kT");
  if (!(min_population >= 0 && min_population < 1)) fail("min_population must be in [0, 1)");
  if (coordinates.size() > 2) fail("at most 2 coordinates can be shown at once");
}

Landscape compute_landscape(const Array& z, const LandscapeOptions& o) {
  o.validate();
  if (z.rank() != 2 || z.frames() < 2) throw DataError("landscape: expected latents (T >= 2, d), got " + z.shape_string());
  for (size_t i = 0; i < z.data.size(); ++i) {
    if (!std::isfinite(z.data[i])) {
      throw DataError("landscape: latent frame " + std::to_string(i / z.shape[1]) + " holds a NaN or Inf");
    }
  }
  const int64_t d = z.shape[1];
  Landscape l;
  l.coordinates = o.coordinates.empty() ? (d == 1 ? std::vector<int64_t>{0} : std::vector<int64_t>{0, 1})
                                        : o.coordinates;
  for (int64_t c : l.coordinates) {
    if (c < 0 || c >= d) {
      throw DataError("landscape: coordinate " + std::to_string(c) + " does not exist in a " + std::to_string(d) +
                      "-D latent");
    }
  }
  const int64_t dims = l.dims(), n = o.bins;
  for (int64_t c : l.coordinates) {
    double lo = INFINITY, hi = -INFINITY;
    for (int64_t t = 0; t < z.frames(); ++t) lo = std::min(lo, z.at(t, c)), hi = std::max(hi, z.at(t, c));
    if (!(hi > lo)) throw DataError("landscape: latent coordinate " + std::to_string(c) + " is constant");
    const double pad = o.padding * (hi - lo);
    l.lower.push_back(lo - pad);
    l.upper.push_back(hi + pad);
    std::vector<double> centres(n);
    for (int64_t i = 0; i < n; ++i) centres[i] = l.lower.back() + (i + 0.5) * (l.upper.back() - l.lower.back()) / n;
    l.axes.push_back(centres);
  }
  const int64_t cells = dims == 1 ? n : n * n;
  std::vector<double> counts(cells, 0.0);
  for (int64_t b : grid_bins(l, z)) counts[b] += 1;  // every frame is on the grid
  const std::vector<int64_t> shape = dims == 1 ? std::vector<int64_t>{n} : std::vector<int64_t>{n, n};
  const double cmax = *std::max_element(counts.begin(), counts.end());
  std::vector<double> f(cells, NAN);
  for (int64_t b = 0; b < cells; ++b) {
    if (counts[b] > 0) f[b] = -std::log(counts[b] / cmax);
  }
  l.counts = Array(shape, counts);
  l.free_energy = Array(shape, f);

  // Basins: steepest descent on the smoothed free energy. The domain is every
  // bin the smoothing reaches (so that a stray visited bin joins its
  // neighbourhood instead of making a basin of its own).
  const std::vector<double> sc = smooth(counts, n, dims, o.smoothing);
  std::vector<char> in(cells, 0);
  std::vector<double> fs(cells, INFINITY);
  for (int64_t b = 0; b < cells; ++b) {
    in[b] = counts[b] > 0 || sc[b] > 1e-3;
    if (in[b]) fs[b] = -std::log(std::max(sc[b], 1e-300));
  }
  std::vector<int64_t> down(cells, -1);
  for (int64_t b = 0; b < cells; ++b) {
    if (!in[b]) continue;
    int64_t best = b;
    for (int64_t nb : neighbours(b, n, dims)) {
      if (in[nb] && fs[nb] < fs[best]) best = nb;
    }
    down[b] = best;
  }
  std::vector<int64_t> label(cells, -1);
  std::vector<int64_t> minima;  // bin of each basin's minimum
  std::map<int64_t, int64_t> min_index;
  for (int64_t b = 0; b < cells; ++b) {
    if (!in[b]) continue;
    int64_t m = b;
    while (down[m] != m) m = down[m];
    auto it = min_index.find(m);
    if (it == min_index.end()) {
      it = min_index.emplace(m, static_cast<int64_t>(minima.size())).first;
      minima.push_back(m);
    }
    label[b] = it->second;
  }
  // Merge neighbouring basins across barriers lower than min_barrier. The
  // barrier of a pair is its saddle (lowest max(F_p, F_q) over adjacent bins
  // p, q of the two) above the shallower basin's minimum.
  int64_t k = static_cast<int64_t>(minima.size());
  std::vector<int64_t> parent(k);
  std::iota(parent.begin(), parent.end(), 0);
  auto root = [&](int64_t a) {
    while (parent[a] != a) a = parent[a] = parent[parent[a]];
    return a;
  };
  std::vector<double> depth(k);
  for (int64_t i = 0; i < k; ++i) depth[i] = fs[minima[i]];
  while (true) {
    std::map<std::pair<int64_t, int64_t>, double> saddle;
    for (int64_t b = 0; b < cells; ++b) {
      if (label[b] < 0) continue;
      for (int64_t nb : neighbours(b, n, dims)) {
        if (label[nb] < 0) continue;
        int64_t a = root(label[b]), c = root(label[nb]);
        if (a == c) continue;
        if (a > c) std::swap(a, c);
        const double s = std::max(fs[b], fs[nb]);
        auto it = saddle.find({a, c});
        if (it == saddle.end() || s < it->second) saddle[{a, c}] = s;
      }
    }
    double lowest = INFINITY;
    std::pair<int64_t, int64_t> pick{-1, -1};
    for (const auto& [pair, s] : saddle) {
      const double barrier = s - std::max(depth[pair.first], depth[pair.second]);
      if (barrier < lowest) lowest = barrier, pick = pair;
    }
    if (pick.first < 0 || lowest >= o.min_barrier) break;
    const int64_t keep = depth[pick.first] <= depth[pick.second] ? pick.first : pick.second;
    const int64_t gone = keep == pick.first ? pick.second : pick.first;
    parent[gone] = keep;
  }
  // Basins holding less than min_population of the frames are folded into
  // the neighbouring basin they share the lowest saddle with (or, isolated,
  // into the most populated one).
  while (true) {
    std::map<int64_t, double> pop;
    for (int64_t b = 0; b < cells; ++b) {
      if (label[b] >= 0) pop[root(label[b])] += counts[b];
    }
    int64_t small = -1;
    for (const auto& [r, c] : pop) {
      if (c < o.min_population * static_cast<double>(z.frames()) && (small < 0 || c < pop[small])) small = r;
    }
    if (small < 0 || pop.size() < 2) break;
    int64_t target = -1;
    double best = INFINITY;
    for (int64_t b = 0; b < cells; ++b) {
      if (label[b] < 0 || root(label[b]) != small) continue;
      for (int64_t nb : neighbours(b, n, dims)) {
        if (label[nb] < 0 || root(label[nb]) == small) continue;
        const double sdl = std::max(fs[b], fs[nb]);
        if (sdl < best) best = sdl, target = root(label[nb]);
      }
    }
    if (target < 0) {
      for (const auto& [r, c] : pop) {
        if (r != small && (target < 0 || c > pop[target])) target = r;
      }
    }
    parent[small] = target;
  }
  // Renumber the surviving basins by increasing free energy.
  std::vector<int64_t> roots;
  for (int64_t i = 0; i < k; ++i) {
    if (root(i) == i) roots.push_back(i);
  }
  std::sort(roots.begin(), roots.end(), [&](int64_t a, int64_t b) { return depth[a] < depth[b]; });
  std::vector<int64_t> renumber(k, -1);
  for (size_t r = 0; r < roots.size(); ++r) renumber[roots[r]] = static_cast<int64_t>(r);
  std::vector<double> basin(cells, -1.0);
  l.populations.assign(roots.size(), 0.0);
  double total = 0;
  for (int64_t b = 0; b < cells; ++b) {
    if (label[b] < 0 || counts[b] <= 0) continue;
    const int64_t r = renumber[root(label[b])];
    basin[b] = static_cast<double>(r);
    l.populations[r] += counts[b];
    total += counts[b];
  }
  for (double& p : l.populations) p /= total;
  l.basin = Array(shape, basin);
  std::vector<double> centres;
  for (int64_t r : roots) {
    const int64_t m = minima[r];
    if (dims == 1) {
      centres.push_back(l.axes[0][m]);
    } else {
      centres.push_back(l.axes[0][m / n]);
      centres.push_back(l.axes[1][m % n]);
    }
    l.basin_free_energy.push_back(f[m]);
  }
  l.centers = Array({static_cast<int64_t>(roots.size()), dims}, centres);
  return l;
}

std::vector<int64_t> grid_bins(const Landscape& l, const Array& z) {
  const int64_t n = static_cast<int64_t>(l.axes[0].size());
  std::vector<int64_t> out(static_cast<size_t>(z.frames()), -1);
  for (int64_t t = 0; t < z.frames(); ++t) {
    int64_t flat = 0;
    bool inside = true;
    for (int64_t a = 0; a < l.dims(); ++a) {
      const double x = z.at(t, l.coordinates[a]);
      double pos = (x - l.lower[a]) / (l.upper[a] - l.lower[a]) * n;
      if (!(pos >= 0 && pos <= n)) {
        inside = false;
        break;
      }
      const int64_t i = std::min<int64_t>(n - 1, static_cast<int64_t>(pos));
      flat = flat * n + i;
    }
    out[t] = inside ? flat : -1;
  }
  return out;
}

std::vector<int64_t> assign_basins(const Landscape& l, const Array& z) {
  const std::vector<int64_t> bins = grid_bins(l, z);
  std::vector<int64_t> out(bins.size(), -1);
  for (size_t t = 0; t < bins.size(); ++t) {
    if (bins[t] >= 0 && l.basin.data[bins[t]] >= 0) {
      out[t] = static_cast<int64_t>(l.basin.data[bins[t]]);
      continue;
    }
    double best = INFINITY;
    for (int64_t k = 0; k < l.basins(); ++k) {
      double dist = 0;
      for (int64_t a = 0; a < l.dims(); ++a) {
        const double diff = z.at(static_cast<int64_t>(t), l.coordinates[a]) - l.centers.at(k, a);
        dist += diff * diff;
      }
      if (dist < best) best = dist, out[t] = k;
    }
  }
  return out;
}

Array grid_points(const Landscape& l, const std::vector<double>& fill) {
  const int64_t d = static_cast<int64_t>(fill.size());
  const int64_t n = static_cast<int64_t>(l.axes[0].size());
  const int64_t cells = l.dims() == 1 ? n : n * n;
  std::vector<double> pts;
  pts.reserve(static_cast<size_t>(cells * d));
  for (int64_t b = 0; b < cells; ++b) {
    std::vector<double> p = fill;
    if (l.dims() == 1) {
      p[l.coordinates[0]] = l.axes[0][b];
    } else {
      p[l.coordinates[0]] = l.axes[0][b / n];
      p[l.coordinates[1]] = l.axes[1][b % n];
    }
    pts.insert(pts.end(), p.begin(), p.end());
  }
  return Array({cells, d}, pts);
}

double jensen_shannon(const std::vector<double>& p, const std::vector<double>& q) {
  if (p.size() != q.size()) throw Error("jensen_shannon: histograms of different sizes");
  const double sp = std::accumulate(p.begin(), p.end(), 0.0), sq = std::accumulate(q.begin(), q.end(), 0.0);
  if (!(sp > 0 && sq > 0)) throw DataError("jensen_shannon: an empty histogram");
  double js = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    const double a = p[i] / sp, b = q[i] / sq, m = 0.5 * (a + b);
    if (a > 0) js += 0.5 * a * std::log(a / m);
    if (b > 0) js += 0.5 * b * std::log(b / m);
  }
  return std::max(0.0, js);
}

StateStatistics state_statistics(const std::vector<int64_t>& labels, int64_t states,
                                 const std::vector<int64_t>& lengths) {
  StateStatistics s;
  s.populations.assign(states, 0.0);
  s.lifetimes.assign(states, 0.0);
  s.visits.assign(states, 0);
  const std::vector<int64_t> ls = lengths.empty() ? std::vector<int64_t>{static_cast<int64_t>(labels.size())} : lengths;
  int64_t off = 0, total = 0;
  for (int64_t len : ls) {
    int64_t t = off;
    while (t < off + len) {
      const int64_t k = labels[t];
      int64_t e = t;
      while (e < off + len && labels[e] == k) ++e;
      if (k >= 0 && k < states) {
        s.populations[k] += static_cast<double>(e - t);
        s.lifetimes[k] += static_cast<double>(e - t);
        s.visits[k] += 1;
      }
      total += e - t;
      t = e;
    }
    off += len;
  }
  if (off != static_cast<int64_t>(labels.size())) throw Error("state_statistics: lengths do not add up to the labels");
  for (int64_t k = 0; k < states; ++k) {
    s.lifetimes[k] = s.visits[k] ? s.lifetimes[k] / static_cast<double>(s.visits[k]) : NAN;
    s.populations[k] = total ? s.populations[k] / static_cast<double>(total) : 0.0;
  }
  return s;
}

DynamicsCheck compare_dynamics(const Landscape& l, const Array& reference, const std::vector<int64_t>& reference_lengths,
                               const Array& generated, const std::vector<int64_t>& generated_lengths) {
  const size_t cells = l.counts.data.size();
  auto histogram = [&](const Array& z) {
    std::vector<double> h(cells + 1, 0.0);
    for (int64_t b : grid_bins(l, z)) h[b >= 0 ? static_cast<size_t>(b) : cells] += 1;
    return h;
  };
  DynamicsCheck c;
  c.reference_histogram = histogram(reference);
  c.generated_histogram = histogram(generated);
  c.js_divergence = jensen_shannon(c.reference_histogram, c.generated_histogram);
  c.reference = state_statistics(assign_basins(l, reference), l.basins(), reference_lengths);
  c.generated = state_statistics(assign_basins(l, generated), l.basins(), generated_lengths);
  return c;
}

}  // namespace dynae
