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

Model fit_tica(const ModelOptions& o, const TrajectorySet& data) {
  o.validate();
  if (data.empty()) throw DataError("no trajectories for TICA");
  const int64_t n = shape_product(data.input_frame_shape());
  if (n < o.latent_dim) {
    throw DataError("TICA: the input has " + std::to_string(n) + " feature(s) per frame, fewer than d = " +
                    std::to_string(o.latent_dim) + " components");
  }
  // Pass 1: the mean over both frames of every pair.
  torch::Tensor sum = torch::zeros({n}, torch::kFloat64);
  int64_t pairs = 0;
  for (const auto& t : data.trajectories()) {
    const int64_t m = t.input.frames() - o.lag;
    if (m <= 0) continue;
    const torch::Tensor x = flat_frames(t.input);
    sum += x.slice(0, 0, m).sum(0) + x.slice(0, o.lag).sum(0);
    pairs += m;
  }
  if (pairs < 2) {
    throw DataError("TICA needs at least 2 lagged pairs at lag " + std::to_string(o.lag) + ", the data has " +
                    std::to_string(pairs));
  }
  const torch::Tensor mean = sum / (2.0 * pairs);
  // Pass 2: covariances.
  torch::Tensor c0 = torch::zeros({n, n}, torch::kFloat64), ct = torch::zeros({n, n}, torch::kFloat64);
  for (const auto& t : data.trajectories()) {
    const int64_t m = t.input.frames() - o.lag;
    if (m <= 0) continue;
    const torch::Tensor x = flat_frames(t.input) - mean;
    const torch::Tensor x0 = x.slice(0, 0, m), x1 = x.slice(0, o.lag);
    c0 += x0.t().mm(x0) + x1.t().mm(x1);
    ct += x0.t().mm(x1);
  }
  c0 /= 2.0 * pairs;
  ct = (ct + ct.t()) / (2.0 * pairs);

  const torch::Tensor var = c0.diagonal();
  const double max_var = var.max().item<double>();
  std::vector<int64_t> constant;
  for (int64_t i = 0; i < n; ++i) {
    if (var[i].item<double>() <= 1e-12 * std::max(max_var, 1e-300)) constant.push_back(i);
  }
  if (!constant.empty()) {
    std::ostringstream os;
    os << "TICA: " << constant.size() << " of " << n << " input features are constant (feature";
    for (size_t i = 0; i < std::min<size_t>(constant.size(), 8); ++i) os << (i ? ", " : " ") << constant[i];
    os << (constant.size() > 8 ? ", ..." : "") << "); the instantaneous covariance C(0) is singular. Remove them.";
    throw DataError(os.str());
  }
  const double ridge = o.tica_ridge * var.mean().item<double>();
  const torch::Tensor c0r = c0 + ridge * torch::eye(n, torch::kFloat64);
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
  const torch::Tensor mt = whiten.t().mm(ct).mm(whiten);
  const auto [lam, v] = torch::linalg::eigh((mt + mt.t()) / 2, "L");  // ascending
  const torch::Tensor order = torch::arange(n - 1, -1, -1, torch::kLong);
  const torch::Tensor lam_desc = lam.index_select(0, order);
  torch::Tensor w = whiten.mm(v.index_select(1, order.slice(0, 0, o.latent_dim)));  // (n, d)
  for (int64_t j = 0; j < o.latent_dim; ++j) {
    const torch::Tensor col = w.select(1, j);
    if (col.index({col.abs().argmax()}).item<double>() < 0) col.neg_();
  }

  auto impl = std::make_shared<Model::Impl>(o, data.input_frame_shape(), data.target_frame_shape());
  auto& enc = static_cast<LinearMapImpl&>(*impl->encoder);
  enc.set(mean.to(torch::kFloat32), w.to(torch::kFloat32), torch::zeros({o.latent_dim}));

  // Decoder: least-squares linear map from the latent to the targets.
  std::vector<torch::Tensor> zs, ys;
  for (const auto& t : data.trajectories()) {
    zs.push_back((flat_frames(t.input) - mean).mm(w));
    ys.push_back(flat_frames(t.target()));
  }
  const torch::Tensor z = torch::cat(zs), y = torch::cat(ys);
  const torch::Tensor z_mean = z.mean(0), y_mean = y.mean(0);
  const torch::Tensor zc = z - z_mean;
  const torch::Tensor b = torch::linalg::solve(zc.t().mm(zc), zc.t().mm(y - y_mean), true);  // (d, n_out)
  auto& dec = static_cast<LinearMapImpl&>(*impl->decoder);
  dec.set(z_mean.to(torch::kFloat32), b.to(torch::kFloat32), y_mean.to(torch::kFloat32));

  impl->eigenvalues = to_array(lam_desc);
  impl->epochs_trained = 0;
  impl->train(false);
  return Model(impl);
}

const ModelKind& tica_model_kind() {
  static const ModelKind kind = [] {
    ModelKind k;
    k.name = "tica";
    k.display_name = "TICA";
    k.config_name = "TICA";
    k.summary = "TICA: linear, closed form; the d slowest components scaled to unit variance";
    k.linear = true;
    k.fit_closed_form = fit_tica;
    return k;
  }();
  return kind;
}

}  // namespace dynae
