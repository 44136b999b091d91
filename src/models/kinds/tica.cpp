#include "models/kinds/tica.h"

#include <cmath>
#include <sstream>

#include "data/tensor_convert.h"
#include "dynae/errors.h"
#include "dynae/models/model_kind.h"
#include "models/model_impl.h"
#include "nn/linear_map.h"

namespace dynae {
namespace {

torch::Tensor flat_frames(const Array& a) { return to_tensor(a, torch::kFloat64).reshape({a.frames(), -1}); }

}  // namespace

namespace {

/// Mean and lagged covariances over every pair (t, t + lag) of every trajectory.
struct LaggedMoments {
  torch::Tensor mean;  ///< (n) over both frames of every pair
  torch::Tensor c0;    ///< (n, n) instantaneous covariance, both frames
  torch::Tensor ct;    ///< (n, n) time-lagged covariance, symmetrised
};

/// The moments of the data's pairs, each pair weighted by its first frame's weight when the data
/// has weights (reweighting of the starting points; the moves are those of
/// the simulation).
LaggedMoments lagged_moments(const TrajectorySet& data, int64_t n, int64_t lag) {
  // Pass 1: the mean over both frames of every pair.
  torch::Tensor sum = torch::zeros({n}, torch::kFloat64);
  int64_t pairs = 0;
  double total = 0;  // of the pairs' weights
  std::vector<torch::Tensor> pair_weights;  // (m, 1) per trajectory
  for (size_t i = 0; i < data.size(); ++i) {
    const auto& t = data.trajectories()[i];
    const int64_t m = t.input.frames() - lag;
    pair_weights.emplace_back();
    if (m <= 0) continue;
    torch::Tensor w = torch::ones({m, 1}, torch::kFloat64);
    if (data.weighted()) {
      const std::vector<double> all = data.trajectory_weights(i);
      w = torch::tensor(std::vector<double>(all.begin(), all.begin() + m), torch::kFloat64).reshape({m, 1});
    }
    pair_weights.back() = w;
    const torch::Tensor x = flat_frames(t.input);
    sum += (w * (x.slice(0, 0, m) + x.slice(0, lag))).sum(0);
    pairs += m;
    total += w.sum().item<double>();
  }
  if (pairs < 2) {
    throw DataError("TICA needs at least 2 lagged pairs at lag " + std::to_string(lag) + ", the data has " +
                    std::to_string(pairs));
  }
  if (!(total > 0)) throw DataError("TICA: every lagged pair starts on a frame of weight 0");
  LaggedMoments moments;
  moments.mean = sum / (2.0 * total);
  // Pass 2: covariances.
  torch::Tensor c0 = torch::zeros({n, n}, torch::kFloat64), ct = torch::zeros({n, n}, torch::kFloat64);
  for (size_t i = 0; i < data.size(); ++i) {
    const auto& t = data.trajectories()[i];
    const int64_t m = t.input.frames() - lag;
    if (m <= 0) continue;
    const torch::Tensor& w = pair_weights[i];
    const torch::Tensor x = flat_frames(t.input) - moments.mean;
    const torch::Tensor x0 = x.slice(0, 0, m), x1 = x.slice(0, lag);
    c0 += x0.t().mm(w * x0) + x1.t().mm(w * x1);
    ct += x0.t().mm(w * x1);
  }
  moments.c0 = c0 / (2.0 * total);
  moments.ct = (ct + ct.t()) / (2.0 * total);
  return moments;
}

/// Throws DataError naming the constant features (their variance is zero).
void refuse_constant_features(const torch::Tensor& variance) {
  const int64_t n = variance.size(0);
  const double max_var = variance.max().item<double>();
  std::vector<int64_t> constant;
  for (int64_t i = 0; i < n; ++i) {
    if (variance[i].item<double>() <= 1e-12 * std::max(max_var, 1e-300)) constant.push_back(i);
  }
  if (constant.empty()) return;
  std::ostringstream os;
  os << "TICA: " << constant.size() << " of " << n << " input features are constant (feature";
  for (size_t i = 0; i < std::min<size_t>(constant.size(), 8); ++i) os << (i ? ", " : " ") << constant[i];
  os << (constant.size() > 8 ? ", ..." : "") << "); the instantaneous covariance C(0) is singular. Remove them.";
  throw DataError(os.str());
}

/// The generalized problem C(tau) v = lambda C(0) v, C(0) with its ridge:
/// every eigenvalue, descending, and the d slowest components (n, d), each
/// with v' C(0) v = 1 and its largest loading positive.
std::pair<torch::Tensor, torch::Tensor> slowest_components(const LaggedMoments& moments, double ridge_fraction,
                                                           int64_t d) {
  const int64_t n = moments.c0.size(0);
  const double ridge = ridge_fraction * moments.c0.diagonal().mean().item<double>();
  const torch::Tensor c0r = moments.c0 + ridge * torch::eye(n, torch::kFloat64);
  const auto [s, u] = torch::linalg::eigh(c0r, "L");
  const double s_min = s[0].item<double>(), s_max = s[n - 1].item<double>();
  if (!(s_min > 1e-12 * s_max)) {
    std::ostringstream os;
    os << "TICA: the instantaneous covariance C(0) is singular (eigenvalues from " << s_min << " to " << s_max
       << "): some input features are linear combinations of others. Remove them or set tica_ridge > 0 "
          "(the default is 1e-6).";
    throw DataError(os.str());
  }
  const torch::Tensor whiten = u / torch::sqrt(s);  // L, with L' C0 L = I
  const torch::Tensor mt = whiten.t().mm(moments.ct).mm(whiten);
  const auto [lam, v] = torch::linalg::eigh((mt + mt.t()) / 2, "L");  // ascending
  const torch::Tensor order = torch::arange(n - 1, -1, -1, torch::kLong);
  torch::Tensor w = whiten.mm(v.index_select(1, order.slice(0, 0, d)));  // (n, d)
  for (int64_t j = 0; j < d; ++j) {
    const torch::Tensor col = w.select(1, j);
    if (col.index({col.abs().argmax()}).item<double>() < 0) col.neg_();
  }
  return {lam.index_select(0, order), w};
}

}  // namespace

Model fit_tica(const ModelOptions& options, const TrajectorySet& data) {
  options.validate();
  if (data.empty()) throw DataError("no trajectories for TICA");
  const int64_t n = shape_product(data.input_frame_shape()), d = options.latent_dim;
  if (n < d) {
    throw DataError("TICA: the input has " + std::to_string(n) +
                    " feature(s) per frame, fewer than d = " + std::to_string(d) + " components");
  }
  const LaggedMoments moments = lagged_moments(data, n, options.lag);
  refuse_constant_features(moments.c0.diagonal());
  const auto [eigenvalues, w] = slowest_components(moments, options.tica_ridge, d);

  auto impl = std::make_shared<Model::Impl>(options, data.input_frame_shape(), data.target_frame_shape());
  impl->feature_names = data.feature_names();
  auto& encoder = static_cast<LinearMapImpl&>(*impl->encoder);
  encoder.set(moments.mean.to(torch::kFloat32), w.to(torch::kFloat32), torch::zeros({d}));

  // Decoder: least-squares linear map from the latent to the targets
  // (weighted least squares with the frames' weights).
  std::vector<torch::Tensor> zs, ys;
  for (const auto& t : data.trajectories()) {
    zs.push_back((flat_frames(t.input) - moments.mean).mm(w));
    ys.push_back(flat_frames(t.target()));
  }
  const torch::Tensor z = torch::cat(zs), y = torch::cat(ys);
  const torch::Tensor fw = data.weighted() ? torch::tensor(data.weights(), torch::kFloat64).reshape({-1, 1})
                                           : torch::ones({z.size(0), 1}, torch::kFloat64);
  const torch::Tensor z_mean = (fw * z).sum(0) / fw.sum(), y_mean = (fw * y).sum(0) / fw.sum();
  const torch::Tensor zc = z - z_mean;
  const torch::Tensor b = torch::linalg::solve(zc.t().mm(fw * zc), zc.t().mm(fw * (y - y_mean)), true);  // (d, n_out)
  auto& decoder = static_cast<LinearMapImpl&>(*impl->decoder);
  decoder.set(z_mean.to(torch::kFloat32), b.to(torch::kFloat32), y_mean.to(torch::kFloat32));

  impl->eigenvalues = to_array(eigenvalues);
  impl->epochs_trained = 0;
  impl->train(false);
  return Model(impl);
}

const ModelKind& tica_model_kind() {
  static const ModelKind kind =
      ModelKind("tica", "TICA", "TICA", "TICA: linear, closed form; the d slowest components scaled to unit variance")
          .set_linear(true)
          .set_fit_closed_form(fit_tica);
  return kind;
}

}  // namespace dynae
