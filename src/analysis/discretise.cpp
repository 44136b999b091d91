#include "dynae/analysis/discretise.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "cpu/vector_math.h"
#include "dynae/errors.h"

namespace dynae {
namespace {


double squared_distance(const double* a, const double* b, int64_t d) {
  double s = 0;
  for (int64_t j = 0; j < d; ++j) s += (a[j] - b[j]) * (a[j] - b[j]);
  return s;
}

void check_points(const Array& z, const char* what) {
  if (z.rank() != 2 || z.frames() < 1) {
    throw DataError(std::string(what) + ": expected frames (T, d) with T >= 1, got " + z.shape_string());
  }
  for (int64_t i = 0; i < z.size(); ++i) {
    if (!std::isfinite(z.data[i])) {
      throw DataError(std::string(what) + ": frame " + std::to_string(i / z.frame_size()) + " holds a non-finite value");
    }
  }
}

/// The centres (k, d) held coordinate by coordinate, for nearest_of.
std::vector<double> by_coordinate(const Array& centers) {
  const int64_t k = centers.frames(), d = centers.frame_size();
  std::vector<double> out(static_cast<size_t>(k * d));
  for (int64_t c = 0; c < k; ++c) {
    for (int64_t j = 0; j < d; ++j) out[j * k + c] = centers.data[c * d + j];
  }
  return out;
}

/// The nearest centre of point p: the squared distances to every centre in
/// one loop over the centres held coordinate by coordinate (vectorised; each
/// distance the same sum as squared_distance) into s (k), then the first
/// smallest: the label a scan with a strict comparison gives, without its
/// unpredictable branches.
int64_t nearest_of(const double* p, const double* by_coord, int64_t k, int64_t d, double* s, double& smallest) {
  std::fill(s, s + k, 0.0);
  for (int64_t j = 0; j < d; ++j) {
    const double pj = p[j];
    const double* cj = by_coord + j * k;
    for (int64_t c = 0; c < k; ++c) {
      const double e = pj - cj[c];
      s[c] += e * e;
    }
  }
  return first_smallest(s, k, smallest);
}

}  // namespace

std::vector<int64_t> assign_nearest(const Array& z, const Array& centers) {
  const int64_t d = z.frame_size(), k = centers.frames();
  if (k < 1 || centers.frame_size() != d) {
    throw DataError("nearest-centre assignment: " + std::to_string(k) + " centres of " + std::to_string(centers.frame_size()) +
                    " values for frames of " + std::to_string(d));
  }
  const std::vector<double> coord = by_coordinate(centers);
  std::vector<double> dist(static_cast<size_t>(k));
  std::vector<int64_t> out(static_cast<size_t>(z.frames()));
  double smallest;
  for (int64_t t = 0; t < z.frames(); ++t) out[t] = nearest_of(&z.data[t * d], coord.data(), k, d, dist.data(), smallest);
  return out;
}

Array kmeans_centers(const Array& all, int64_t k, uint64_t seed, int64_t max_iterations, int64_t max_frames) {
  check_points(all, "k-means");
  if (k < 1) throw ConfigError("k-means: number of clusters must be >= 1, got " + std::to_string(k));
  Array sub;
  if (all.frames() > max_frames) {
    const int64_t stride = (all.frames() + max_frames - 1) / max_frames;
    sub = Array::zeros({(all.frames() + stride - 1) / stride, all.frame_size()});
    for (int64_t t = 0; t * stride < all.frames(); ++t) {
      std::copy(&all.data[t * stride * all.frame_size()], &all.data[(t * stride + 1) * all.frame_size()],
                &sub.data[t * all.frame_size()]);
    }
  }
  const Array& z = all.frames() > max_frames ? sub : all;
  const int64_t n = z.frames(), d = z.frame_size();
  std::mt19937_64 rng(seed);
  Array c = Array::zeros({k, d});
  // k-means++ seeding.
  std::vector<double> nearest(static_cast<size_t>(n), std::numeric_limits<double>::infinity());
  int64_t pick = std::uniform_int_distribution<int64_t>(0, n - 1)(rng);
  double spread = 0;
  for (int64_t c0 = 0; c0 < k; ++c0) {
    std::copy(&z.data[pick * d], &z.data[pick * d] + d, &c.data[c0 * d]);
    double total = 0;
    for (int64_t t = 0; t < n; ++t) {
      nearest[t] = std::min(nearest[t], squared_distance(&z.data[t * d], &c.data[c0 * d], d));
      total += nearest[t];
    }
    if (c0 == 0) spread = total / n;
    if (c0 + 1 == k) break;
    if (!(total > 0)) {
      throw DataError("k-means: the frames hold only " + std::to_string(c0 + 1) + " distinct point(s), fewer than the " +
                      std::to_string(k) + " clusters asked for");
    }
    double r = std::uniform_real_distribution<double>(0, total)(rng);
    pick = n - 1;
    for (int64_t t = 0; t < n; ++t) {
      r -= nearest[t];
      if (r <= 0 && nearest[t] > 0) {
        pick = t;
        break;
      }
    }
  }
  // Lloyd iterations.
  const double tol = 1e-16 * std::max(spread, 1e-300);
  std::vector<double> sum(static_cast<size_t>(k * d));
  std::vector<int64_t> members(static_cast<size_t>(k));
  // Each iteration's labels are assign_nearest(z, c)'s, but a frame is
  // only measured against every centre when its bounds allow another label
  // (Hamerly's k-means): `upper` bounds the distance to its own centre and
  // `lower` the distance to any other, both moved by how far the centres
  // moved; while upper + margin < lower its own centre is the strictly
  // nearest, the label any scan gives. The margin (1e-9 of the largest
  // coordinate) exceeds the rounding of every distance and shift, so the
  // labels, and the centres, are those of the full scan bit for bit.
  double largest = 0;
  for (double v : z.data) largest = std::max(largest, std::abs(v));
  const double margin = 1e-9 * largest;
  std::vector<int64_t> label(static_cast<size_t>(n), -1);
  std::vector<double> upper(static_cast<size_t>(n)), lower(static_cast<size_t>(n));
  std::vector<double> dist(static_cast<size_t>(k)), shift(static_cast<size_t>(k));
  Array before = c;
  for (int64_t it = 0; it < max_iterations; ++it) {
    const std::vector<double> coord = by_coordinate(c);
    for (int64_t t = 0; t < n; ++t) {
      if (label[t] >= 0 && upper[t] + margin < lower[t]) continue;
      double smallest;
      label[t] = nearest_of(&z.data[t * d], coord.data(), k, d, dist.data(), smallest);
      double second = std::numeric_limits<double>::infinity();
      for (int64_t a = 0; a < k; ++a) {
        if (a != label[t]) second = std::min(second, dist[a]);
      }
      upper[t] = std::sqrt(smallest);
      lower[t] = std::sqrt(second);
    }
    before.data = c.data;
    std::fill(sum.begin(), sum.end(), 0.0);
    std::fill(members.begin(), members.end(), 0);
    for (int64_t t = 0; t < n; ++t) {
      ++members[label[t]];
      for (int64_t j = 0; j < d; ++j) sum[label[t] * d + j] += z.data[t * d + j];
    }
    double moved = 0;
    for (int64_t a = 0; a < k; ++a) {
      if (members[a] == 0) {
        // Re-seed at the frame farthest from its own centre.
        int64_t far = 0;
        double best = -1;
        for (int64_t t = 0; t < n; ++t) {
          const double s = squared_distance(&z.data[t * d], &c.data[label[t] * d], d);
          if (s > best) {
            best = s;
            far = t;
          }
        }
        std::copy(&z.data[far * d], &z.data[far * d] + d, &c.data[a * d]);
        moved = std::numeric_limits<double>::infinity();
        continue;
      }
      double m = 0;
      for (int64_t j = 0; j < d; ++j) {
        const double v = sum[a * d + j] / members[a];
        m += (v - c.data[a * d + j]) * (v - c.data[a * d + j]);
        c.data[a * d + j] = v;
      }
      moved = std::max(moved, m);
    }
    if (moved <= tol) break;
    // How far each centre moved (re-seeded ones included): the bounds follow.
    int64_t farthest = 0;
    for (int64_t a = 0; a < k; ++a) {
      shift[a] = std::sqrt(squared_distance(&before.data[a * d], &c.data[a * d], d));
      if (shift[a] > shift[farthest]) farthest = a;
    }
    double runner_up = 0;
    for (int64_t a = 0; a < k; ++a) {
      if (a != farthest) runner_up = std::max(runner_up, shift[a]);
    }
    for (int64_t t = 0; t < n; ++t) {
      upper[t] += shift[label[t]];
      lower[t] -= label[t] == farthest ? runner_up : shift[farthest];
    }
  }
  return c;
}

Array regular_space_centers(const Array& z, double min_dist, int64_t max_centers) {
  check_points(z, "regular-space clustering");
  if (!(min_dist > 0)) throw ConfigError("regular-space clustering: min_dist must be > 0");
  const int64_t n = z.frames(), d = z.frame_size();
  std::vector<double> c;
  const double m2 = min_dist * min_dist;
  for (int64_t t = 0; t < n; ++t) {
    bool far = true;
    for (size_t a = 0; a < c.size() && far; a += d) far = squared_distance(&z.data[t * d], &c[a], d) >= m2;
    if (!far) continue;
    if (static_cast<int64_t>(c.size() / d) == max_centers) {
      throw DataError("regular-space clustering: more than " + std::to_string(max_centers) + " centres at min_dist " +
                      std::to_string(min_dist) + "; increase min_dist");
    }
    c.insert(c.end(), &z.data[t * d], &z.data[t * d] + d);
  }
  return Array({static_cast<int64_t>(c.size()) / d, d}, c);
}

std::vector<std::vector<int64_t>> standardised_kmeans_states(const Array& all, const std::vector<int64_t>& lengths,
                                                             int64_t k, uint64_t seed, int64_t max_frames) {
  Array z = all;
  const int64_t d = z.frame_size(), T = z.frames();
  for (int64_t j = 0; j < d; ++j) {
    double mean = 0, sq = 0;
    for (int64_t t = 0; t < T; ++t) mean += z.at(t, j);
    mean /= static_cast<double>(T);
    for (int64_t t = 0; t < T; ++t) sq += (z.at(t, j) - mean) * (z.at(t, j) - mean);
    const double sd = std::sqrt(sq / static_cast<double>(T));
    for (int64_t t = 0; t < T; ++t) z.at(t, j) = (z.at(t, j) - mean) / (sd > 0 ? sd : 1.0);
  }
  const std::vector<int64_t> labels = assign_nearest(z, kmeans_centers(z, std::min(k, T), seed, 100, max_frames));
  std::vector<std::vector<int64_t>> states;
  int64_t begin = 0;
  for (int64_t n : lengths) {
    states.emplace_back(labels.begin() + begin, labels.begin() + begin + n);
    begin += n;
  }
  return states;
}

}  // namespace dynae
