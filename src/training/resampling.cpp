#include "training/resampling.h"

#include <cmath>
#include <limits>
#include <sstream>

#include "dynae/errors.h"

namespace dynae {
namespace {

/// Rows of a float32 or float64 (N, d) latent tensor read as doubles, one at
/// a time: no double copy of every point.
class LatentRows {
 public:
  LatentRows(const torch::Tensor& z, const char* who) : z_(z.detach().to(torch::kCPU).contiguous()) {
    TORCH_CHECK(z_.dim() == 2, who, ": (N, d) latents expected, got ", z_.sizes());
    TORCH_CHECK(z_.scalar_type() == torch::kFloat32 || z_.scalar_type() == torch::kFloat64, who,
                ": float32 or float64 latents expected");
    single_ = z_.scalar_type() == torch::kFloat32;
    f_ = single_ ? z_.data_ptr<float>() : nullptr;
    d_ = single_ ? nullptr : z_.data_ptr<double>();
    row_.resize(static_cast<size_t>(dim()));
  }
  int64_t size() const { return z_.size(0); }
  int64_t dim() const { return z_.size(1); }
  /// Row i, valid until the next call.
  const double* row(int64_t i) {
    const int64_t n = dim();
    for (int64_t k = 0; k < n; ++k) row_[k] = single_ ? f_[i * n + k] : d_[i * n + k];
    return row_.data();
  }
  void prefetch(int64_t i) const {
    if (single_) __builtin_prefetch(f_ + i * dim());
    else __builtin_prefetch(d_ + i * dim());
  }

 private:
  torch::Tensor z_;
  bool single_ = true;
  const float* f_ = nullptr;
  const double* d_ = nullptr;
  std::vector<double> row_;
};

}  // namespace

torch::Tensor regular_space_centers(const torch::Tensor& z_in, double d_min, int64_t max_centers,
                                    at::Generator& gen) {
  if (!(d_min > 0.0) || !std::isfinite(d_min)) {
    throw ConfigError("min_dist (d_min) must be a positive number of latent units, got " + std::to_string(d_min));
  }
  LatentRows z(z_in, "regular_space_centers");  // distances in double
  const int64_t n = z.size(), d = z.dim();
  TORCH_CHECK(n > 0, "regular_space_centers: no points");
  const torch::Tensor order = torch::randperm(n, gen, torch::kLong);
  const int64_t* ord = order.data_ptr<int64_t>();
  const double d2 = d_min * d_min;
  const double* first = z.row(ord[0]);
  std::vector<double> centers(first, first + d);
  for (int64_t i = 1; i < n; ++i) {
    // The visiting order is random: fetch a few points ahead, or every point
    // of a long trajectory is a cache miss.
    if (i + 16 < n) z.prefetch(ord[i + 16]);
    const double* x = z.row(ord[i]);
    bool far = true;
    for (size_t c = 0; far && c < centers.size(); c += d) {
      double s = 0;
      for (int64_t k = 0; k < d; ++k) s += (x[k] - centers[c + k]) * (x[k] - centers[c + k]);
      far = s > d2;
    }
    if (far) {
      centers.insert(centers.end(), x, x + d);
      if (static_cast<int64_t>(centers.size() / d) > max_centers) {
        std::ostringstream os;
        os << "regular-space clustering found more than " << max_centers << " cluster centres with d_min = "
           << d_min << ": the latent is too spread out for this d_min; increase d_min (min_dist)";
        throw TrainingError(os.str());
      }
    }
  }
  const int64_t k = static_cast<int64_t>(centers.size()) / d;
  return torch::from_blob(centers.data(), {k, d}, torch::kFloat64).clone().to(z_in.scalar_type());
}

torch::Tensor assign_to_centers(const torch::Tensor& z, const torch::Tensor& centers) {
  torch::NoGradGuard no_grad;
  // Squared distances in double, point by point: no (N, K) matrix, and no
  // per-chunk tensor work (this runs on every training pair every epoch).
  LatentRows p(z, "assign_to_centers");
  const torch::Tensor c = centers.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  const int64_t n = p.size(), d = p.dim(), k = c.size(0);
  TORCH_CHECK(c.size(1) == d, "assign_to_centers: centres of dimension ", c.size(1), " for points of ", d);
  torch::Tensor labels = torch::empty({n}, torch::kLong);
  const double* cc = c.data_ptr<double>();
  int64_t* out = labels.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    const double* xi = p.row(i);
    double best = std::numeric_limits<double>::infinity();
    int64_t arg = 0;
    for (int64_t j = 0; j < k; ++j) {
      double s = 0;
      for (int64_t m = 0; m < d; ++m) s += (xi[m] - cc[j * d + m]) * (xi[m] - cc[j * d + m]);
      if (s < best) {  // the first of equal distances, as argmin
        best = s;
        arg = j;
      }
    }
    out[i] = arg;
  }
  return labels;
}

std::vector<int64_t> cluster_counts(const torch::Tensor& labels, int64_t clusters) {
  const torch::Tensor c = torch::bincount(labels, {}, clusters).to(torch::kLong);
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + clusters);
}

std::vector<double> well_tempered_weights(const std::vector<int64_t>& counts, double bias_factor) {
  if (!(bias_factor >= 1.0)) throw ConfigError("bias_factor must be >= 1, got " + std::to_string(bias_factor));
  std::vector<double> w;
  for (int64_t n : counts) w.push_back(std::pow(static_cast<double>(n), 1.0 / bias_factor));
  return w;
}

torch::Tensor well_tempered_selection(const torch::Tensor& labels, const std::vector<double>& weights,
                                      int64_t batch_size, at::Generator& gen, bool require_coverage) {
  const int64_t n = labels.size(0);
  const int64_t k_count = static_cast<int64_t>(weights.size());
  double total_w = 0;
  for (double w : weights) total_w += w;
  // Members of each cluster, in label order (a stable counting sort).
  const std::vector<int64_t> counts = cluster_counts(labels, k_count);
  torch::Tensor sorted = torch::empty({n}, torch::kLong);
  {
    const torch::Tensor lab = labels.contiguous();
    const int64_t* l = lab.data_ptr<int64_t>();
    std::vector<int64_t> next(static_cast<size_t>(k_count), 0);
    for (int64_t k = 1; k < k_count; ++k) next[k] = next[k - 1] + counts[k - 1];
    int64_t* out = sorted.data_ptr<int64_t>();
    for (int64_t i = 0; i < n; ++i) out[next[l[i]]++] = i;
  }
  int64_t covered = 0;
  for (int64_t c : counts) covered += c > batch_size ? c : 0;
  if (require_coverage && static_cast<double>(covered) < 0.8 * static_cast<double>(n)) {
    std::ostringstream os;
    os << "too few samples per bin: clusters with more than one batch (" << batch_size << ") of pairs hold "
       << (100.0 * covered / n) << " % of the pairs (80 % needed) with " << k_count
       << " clusters; increase d_min (min_dist)";
    throw TrainingError(os.str());
  }
  // The selection, written cluster by cluster into one buffer.
  std::vector<int64_t> targets(static_cast<size_t>(k_count)), sizes(static_cast<size_t>(k_count), 0);
  int64_t total = 0;
  for (int64_t k = 0; k < k_count; ++k) {
    const int64_t nk = counts[k];
    targets[k] = static_cast<int64_t>(std::floor(static_cast<double>(n) * weights[k] / total_w /
                                                 static_cast<double>(batch_size)) + 1) * batch_size;
    if (nk > targets[k]) sizes[k] = targets[k];
    else if (nk > batch_size) sizes[k] = (targets[k] / nk) * (nk / batch_size * batch_size);
    total += sizes[k];
  }
  if (total == 0) return torch::empty({0}, torch::kLong);
  torch::Tensor selected = torch::empty({total}, torch::kLong);
  int64_t start = 0, written = 0;
  for (int64_t k = 0; k < k_count; ++k) {
    const int64_t nk = counts[k];
    const torch::Tensor members = sorted.slice(0, start, start + nk);
    start += nk;
    if (nk > targets[k]) {
      selected.slice(0, written, written + targets[k])
          .copy_(members.index_select(0, torch::randperm(nk, gen, torch::kLong).slice(0, 0, targets[k])));
      written += targets[k];
    } else if (nk > batch_size) {
      const int64_t cut = nk / batch_size * batch_size;
      for (int64_t r = 0; r < targets[k] / nk; ++r) {
        selected.slice(0, written, written + cut)
            .copy_(members.index_select(0, torch::randperm(nk, gen, torch::kLong).slice(0, 0, cut)));
        written += cut;
      }
    }
  }
  const torch::Tensor batches = selected.reshape({-1, batch_size});
  return batches.index_select(0, torch::randperm(batches.size(0), gen, torch::kLong)).reshape({-1});
}

}  // namespace dynae
