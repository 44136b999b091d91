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
  if (coordinates.size() == 2 && coordinates[0] == coordinates[1]) {
    fail("the two coordinates shown are the same (" + std::to_string(coordinates[0]) + "); give two different ones");
  }
  for (int64_t c : coordinates) {
    if (c < 0) fail("coordinate " + std::to_string(c) + " is negative");
  }
}

namespace {

/// Throws DataError unless latents is (T >= 2, d) and finite.
void check_latents(const Array& latents) {
  if (latents.rank() != 2 || latents.frames() < 2) {
    throw DataError("landscape: expected latents (T >= 2, d), got " + latents.shape_string());
  }
  for (size_t i = 0; i < latents.data.size(); ++i) {
    if (!std::isfinite(latents.data[i])) {
      throw DataError("landscape: latent frame " + std::to_string(i / latents.shape[1]) + " holds a NaN or Inf");
    }
  }
}

/// The grid: which coordinates, their padded ranges and bin centres.
Landscape empty_grid(const Array& latents, const LandscapeOptions& options) {
  const int64_t d = latents.shape[1], n = options.bins;
  Landscape landscape;
  landscape.coordinates = options.coordinates.empty()
                              ? (d == 1 ? std::vector<int64_t>{0} : std::vector<int64_t>{0, 1})
                              : options.coordinates;
  for (int64_t c : landscape.coordinates) {
    if (c < 0 || c >= d) {
      throw DataError("landscape: coordinate " + std::to_string(c) + " does not exist in a " + std::to_string(d) +
                      "-D latent");
    }
  }
  for (int64_t c : landscape.coordinates) {
    double lo = INFINITY, hi = -INFINITY;
    for (int64_t t = 0; t < latents.frames(); ++t) lo = std::min(lo, latents.at(t, c)), hi = std::max(hi, latents.at(t, c));
    if (!(hi > lo)) throw DataError("landscape: latent coordinate " + std::to_string(c) + " is constant");
    const double pad = options.padding * (hi - lo);
    landscape.lower.push_back(lo - pad);
    landscape.upper.push_back(hi + pad);
    std::vector<double> centres(n);
    for (int64_t i = 0; i < n; ++i) {
      centres[i] = landscape.lower.back() + (i + 0.5) * (landscape.upper.back() - landscape.lower.back()) / n;
    }
    landscape.axes.push_back(centres);
  }
  return landscape;
}

/// Basins of the smoothed free energy on the grid: steepest descent to
/// minima, then merges across low barriers and of small basins (a
/// union-find over the minima), then numbering by increasing free energy.
class BasinFinder {
 public:
  /// The domain is every bin the smoothing reaches (so that a stray visited
  /// bin joins its neighbourhood instead of making a basin of its own).
  BasinFinder(const std::vector<double>& counts, int64_t bins, int64_t dims, double smoothing)
      : counts_(counts), bins_(bins), dims_(dims), cells_(static_cast<int64_t>(counts.size())),
        smoothed_f_(cells_, INFINITY), label_(cells_, -1) {
    const std::vector<double> smoothed = smooth(counts, bins, dims, smoothing);
    inside_.assign(cells_, 0);
    for (int64_t b = 0; b < cells_; ++b) {
      inside_[b] = counts[b] > 0 || smoothed[b] > 1e-3;
      if (inside_[b]) smoothed_f_[b] = -std::log(std::max(smoothed[b], 1e-300));
    }
  }

  /// Labels every bin of the domain with the minimum its steepest descent reaches.
  void descend() {
    std::vector<int64_t> down(cells_, -1);
    for (int64_t b = 0; b < cells_; ++b) {
      if (!inside_[b]) continue;
      int64_t best = b;
      for (int64_t nb : neighbours(b, bins_, dims_)) {
        if (inside_[nb] && smoothed_f_[nb] < smoothed_f_[best]) best = nb;
      }
      down[b] = best;
    }
    std::map<int64_t, int64_t> min_index;
    for (int64_t b = 0; b < cells_; ++b) {
      if (!inside_[b]) continue;
      int64_t m = b;
      while (down[m] != m) m = down[m];
      auto it = min_index.find(m);
      if (it == min_index.end()) {
        it = min_index.emplace(m, static_cast<int64_t>(minima_.size())).first;
        minima_.push_back(m);
      }
      label_[b] = it->second;
    }
    const int64_t k = static_cast<int64_t>(minima_.size());
    parent_.resize(k);
    std::iota(parent_.begin(), parent_.end(), 0);
    depth_.resize(k);
    for (int64_t i = 0; i < k; ++i) depth_[i] = smoothed_f_[minima_[i]];
  }

  /// Merges neighbouring basins across barriers lower than min_barrier. The
  /// barrier of a pair is its saddle (lowest max(F_p, F_q) over adjacent
  /// bins p, q of the two) above the shallower basin's minimum.
  void merge_low_barriers(double min_barrier) {
    while (true) {
      std::map<std::pair<int64_t, int64_t>, double> saddle;
      for (int64_t b = 0; b < cells_; ++b) {
        if (label_[b] < 0) continue;
        for (int64_t nb : neighbours(b, bins_, dims_)) {
          if (label_[nb] < 0) continue;
          int64_t a = root(label_[b]), c = root(label_[nb]);
          if (a == c) continue;
          if (a > c) std::swap(a, c);
          const double s = std::max(smoothed_f_[b], smoothed_f_[nb]);
          auto it = saddle.find({a, c});
          if (it == saddle.end() || s < it->second) saddle[{a, c}] = s;
        }
      }
      double lowest = INFINITY;
      std::pair<int64_t, int64_t> pick{-1, -1};
      for (const auto& [pair, s] : saddle) {
        const double barrier = s - std::max(depth_[pair.first], depth_[pair.second]);
        if (barrier < lowest) lowest = barrier, pick = pair;
      }
      if (pick.first < 0 || lowest >= min_barrier) break;
      const int64_t keep = depth_[pick.first] <= depth_[pick.second] ? pick.first : pick.second;
      const int64_t gone = keep == pick.first ? pick.second : pick.first;
      parent_[gone] = keep;
    }
  }

  /// Folds basins holding fewer than `min_frames` frames into the
  /// neighbouring basin they share the lowest saddle with (or, isolated,
  /// into the most populated one).
  void merge_small_basins(double min_frames) {
    while (true) {
      std::map<int64_t, double> pop;
      for (int64_t b = 0; b < cells_; ++b) {
        if (label_[b] >= 0) pop[root(label_[b])] += counts_[b];
      }
      int64_t small = -1;
      for (const auto& [r, c] : pop) {
        if (c < min_frames && (small < 0 || c < pop[small])) small = r;
      }
      if (small < 0 || pop.size() < 2) break;
      int64_t target = -1;
      double best = INFINITY;
      for (int64_t b = 0; b < cells_; ++b) {
        if (label_[b] < 0 || root(label_[b]) != small) continue;
        for (int64_t nb : neighbours(b, bins_, dims_)) {
          if (label_[nb] < 0 || root(label_[nb]) == small) continue;
          const double saddle = std::max(smoothed_f_[b], smoothed_f_[nb]);
          if (saddle < best) best = saddle, target = root(label_[nb]);
        }
      }
      if (target < 0) {
        for (const auto& [r, c] : pop) {
          if (r != small && (target < 0 || c > pop[target])) target = r;
        }
      }
      parent_[small] = target;
    }
  }

  /// The surviving basins, numbered by increasing free energy, into the
  /// landscape: basin of every visited bin, populations, centres and F there.
  void write(Landscape& landscape, const std::vector<double>& free_energy, const std::vector<int64_t>& shape) {
    const int64_t k = static_cast<int64_t>(minima_.size());
    std::vector<int64_t> roots;
    for (int64_t i = 0; i < k; ++i) {
      if (root(i) == i) roots.push_back(i);
    }
    std::sort(roots.begin(), roots.end(), [&](int64_t a, int64_t b) { return depth_[a] < depth_[b]; });
    std::vector<int64_t> renumber(k, -1);
    for (size_t r = 0; r < roots.size(); ++r) renumber[roots[r]] = static_cast<int64_t>(r);
    std::vector<double> basin(cells_, -1.0);
    landscape.populations.assign(roots.size(), 0.0);
    double total = 0;
    for (int64_t b = 0; b < cells_; ++b) {
      if (label_[b] < 0 || counts_[b] <= 0) continue;
      const int64_t r = renumber[root(label_[b])];
      basin[b] = static_cast<double>(r);
      landscape.populations[r] += counts_[b];
      total += counts_[b];
    }
    for (double& p : landscape.populations) p /= total;
    landscape.basin = Array(shape, basin);
    std::vector<double> centres;
    for (int64_t r : roots) {
      const int64_t m = minima_[r];
      if (dims_ == 1) {
        centres.push_back(landscape.axes[0][m]);
      } else {
        centres.push_back(landscape.axes[0][m / bins_]);
        centres.push_back(landscape.axes[1][m % bins_]);
      }
      landscape.basin_free_energy.push_back(free_energy[m]);
    }
    landscape.centers = Array({static_cast<int64_t>(roots.size()), dims_}, centres);
  }

 private:
  int64_t root(int64_t a) {
    while (parent_[a] != a) a = parent_[a] = parent_[parent_[a]];
    return a;
  }

  const std::vector<double>& counts_;
  int64_t bins_, dims_, cells_;
  std::vector<char> inside_;        ///< bins of the domain
  std::vector<double> smoothed_f_;  ///< -ln of the smoothed counts
  std::vector<int64_t> label_;      ///< each bin's minimum (index into minima_), -1 outside
  std::vector<int64_t> minima_;     ///< bin of each minimum
  std::vector<int64_t> parent_;     ///< union-find over the minima
  std::vector<double> depth_;       ///< smoothed F at each minimum
};

}  // namespace

Landscape compute_landscape(const Array& latents, const LandscapeOptions& options, const std::vector<double>& weights) {
  options.validate();
  check_latents(latents);
  if (!weights.empty() && static_cast<int64_t>(weights.size()) != latents.frames()) {
    throw DataError(std::to_string(weights.size()) + " frame weights for " + std::to_string(latents.frames()) +
                    " latent frames");
  }
  Landscape landscape = empty_grid(latents, options);
  const int64_t dims = landscape.dims(), n = options.bins;
  const int64_t cells = dims == 1 ? n : n * n;
  const std::vector<int64_t> shape = dims == 1 ? std::vector<int64_t>{n} : std::vector<int64_t>{n, n};

  // Histogram (every frame is on the grid; weighted frames count their
  // weight) and F = -ln(p / p_max).
  std::vector<double> counts(cells, 0.0);
  const std::vector<int64_t> bins = grid_bins(landscape, latents);
  double total = 0;
  for (size_t t = 0; t < bins.size(); ++t) {
    const double w = weights.empty() ? 1.0 : weights[t];
    if (!(w >= 0) || !std::isfinite(w)) throw DataError("frame " + std::to_string(t) + " has weight " + std::to_string(w));
    counts[bins[t]] += w;
    total += w;
  }
  if (!(total > 0)) throw DataError("every frame has weight 0: no landscape");
  const double most = *std::max_element(counts.begin(), counts.end());
  std::vector<double> free_energy(cells, NAN);
  for (int64_t b = 0; b < cells; ++b) {
    if (counts[b] > 0) free_energy[b] = -std::log(counts[b] / most);
  }
  landscape.counts = Array(shape, counts);
  landscape.free_energy = Array(shape, free_energy);

  BasinFinder basins(counts, n, dims, options.smoothing);
  basins.descend();
  basins.merge_low_barriers(options.min_barrier);
  basins.merge_small_basins(options.min_population * total);
  basins.write(landscape, free_energy, shape);
  return landscape;
}

std::vector<int64_t> grid_bins(const Landscape& landscape, const Array& z) {
  const int64_t n = static_cast<int64_t>(landscape.axes[0].size());
  std::vector<int64_t> out(static_cast<size_t>(z.frames()), -1);
  for (int64_t t = 0; t < z.frames(); ++t) {
    int64_t flat = 0;
    bool inside = true;
    for (int64_t a = 0; a < landscape.dims(); ++a) {
      const double x = z.at(t, landscape.coordinates[a]);
      double pos = (x - landscape.lower[a]) / (landscape.upper[a] - landscape.lower[a]) * n;
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

std::vector<int64_t> assign_basins(const Landscape& landscape, const Array& z) {
  const std::vector<int64_t> bins = grid_bins(landscape, z);
  std::vector<int64_t> out(bins.size(), -1);
  for (size_t t = 0; t < bins.size(); ++t) {
    if (bins[t] >= 0 && landscape.basin.data[bins[t]] >= 0) {
      out[t] = static_cast<int64_t>(landscape.basin.data[bins[t]]);
      continue;
    }
    double best = INFINITY;
    for (int64_t k = 0; k < landscape.basins(); ++k) {
      double dist = 0;
      for (int64_t a = 0; a < landscape.dims(); ++a) {
        const double diff = z.at(static_cast<int64_t>(t), landscape.coordinates[a]) - landscape.centers.at(k, a);
        dist += diff * diff;
      }
      if (dist < best) best = dist, out[t] = k;
    }
  }
  return out;
}

Array grid_points(const Landscape& landscape, const std::vector<double>& fill) {
  const int64_t d = static_cast<int64_t>(fill.size());
  const int64_t n = static_cast<int64_t>(landscape.axes[0].size());
  const int64_t cells = landscape.dims() == 1 ? n : n * n;
  std::vector<double> pts;
  pts.reserve(static_cast<size_t>(cells * d));
  for (int64_t b = 0; b < cells; ++b) {
    std::vector<double> p = fill;
    if (landscape.dims() == 1) {
      p[landscape.coordinates[0]] = landscape.axes[0][b];
    } else {
      p[landscape.coordinates[0]] = landscape.axes[0][b / n];
      p[landscape.coordinates[1]] = landscape.axes[1][b % n];
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

DynamicsCheck compare_dynamics(const Landscape& landscape, const Array& reference, const std::vector<int64_t>& reference_lengths,
                               const Array& generated, const std::vector<int64_t>& generated_lengths) {
  const size_t cells = landscape.counts.data.size();
  auto histogram = [&](const Array& z) {
    std::vector<double> h(cells + 1, 0.0);
    for (int64_t b : grid_bins(landscape, z)) h[b >= 0 ? static_cast<size_t>(b) : cells] += 1;
    return h;
  };
  DynamicsCheck c;
  c.reference_histogram = histogram(reference);
  c.generated_histogram = histogram(generated);
  c.js_divergence = jensen_shannon(c.reference_histogram, c.generated_histogram);
  c.reference = state_statistics(assign_basins(landscape, reference), landscape.basins(), reference_lengths);
  c.generated = state_statistics(assign_basins(landscape, generated), landscape.basins(), generated_lengths);
  return c;
}

}  // namespace dynae
