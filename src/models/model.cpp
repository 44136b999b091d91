#include "dynae/models/model.h"

#include <algorithm>
#include <cmath>
#include <ATen/CPUGeneratorImpl.h>

#include "data/tensor_convert.h"
#include "dynae/data/trajectory_set.h"
#include "dynae/errors.h"
#include "dynae/models/model_kind.h"
#include "models/latent_diffusion.h"
#include "models/model_impl.h"
#include "models/sta_terms.h"
#include "losses/gaussian.h"
#include "dynae/runtime.h"
#include "nn/conv_nets.h"
#include "nn/linear_map.h"
#include "nn/mlp.h"

namespace dynae {
namespace {

std::shared_ptr<FrameNetImpl> make_encoder(const ModelOptions& options, const std::vector<int64_t>& in_shape) {
  const int64_t out = options.variational() ? 2 * options.latent_dim : options.latent_dim;
  if (model_kind(options.model).linear) return std::make_shared<LinearMapImpl>(shape_product(in_shape), options.latent_dim);
  if (options.encoder_type == "conv") return std::make_shared<ConvEncoderImpl>(in_shape, options.encoder_hidden, out);
  return std::make_shared<MlpImpl>(MlpOptions(shape_product(in_shape), options.encoder_hidden, out)
                                       .widths(options.encoder_hidden_widths())
                                       .activation(activation_of(options.activation)));
}

std::shared_ptr<FrameNetImpl> make_decoder(const ModelOptions& options, const std::vector<int64_t>& out_shape) {
  if (model_kind(options.model).linear) return std::make_shared<LinearMapImpl>(options.latent_dim, shape_product(out_shape));
  if (options.decoder_type == "deconv") return std::make_shared<DeconvDecoderImpl>(options.latent_dim, options.decoder_hidden, out_shape);
  return std::make_shared<MlpImpl>(MlpOptions(options.latent_dim, options.decoder_hidden, shape_product(out_shape))
                                       .widths(options.decoder_hidden_widths())
                                       .activation(activation_of(options.activation)));
}

void copy_weights(const torch::nn::Module& from, torch::nn::Module& to) {
  torch::NoGradGuard no_grad;
  const auto src = from.named_parameters();
  for (auto& p : to.named_parameters()) p.value().copy_(src[p.key()]);
  const auto bufs = from.named_buffers();
  for (auto& b : to.named_buffers()) b.value().copy_(bufs[b.key()]);
}

}  // namespace

Model::Impl::Impl(ModelOptions options_, std::vector<int64_t> input_shape_,
                       std::vector<int64_t> target_shape_)
    : options(std::move(options_)), input_shape(std::move(input_shape_)), target_shape(std::move(target_shape_)) {
  options.validate();
  encoder = make_encoder(options, input_shape);
  decoder = make_decoder(options, target_shape);
  prior = LangevinPrior(options.latent_dim, options.prior_hidden, options.learn_diffusion,
                        std::max<int64_t>(1, options.prior_substeps),  // 0: auto, not chosen yet
                        options.conservative_force());
  if (model_kind(options.model).flow_fields) {
    transformations = std::make_shared<SparseTransformationsImpl>(
        SparseTransformationsOptions(options.latent_dim, options.sta_potential_fields, options.sta_rotational_fields)
            .hidden(options.sta_hidden)
            .steps(options.sta_flow_steps));
  }
}

Model::Impl::Impl(ModelOptions options_, std::vector<int64_t> input_shape_,
                       std::vector<int64_t> target_shape_, at::Generator& gen)
    : Impl(std::move(options_), std::move(input_shape_), std::move(target_shape_)) {
  init_layers(*encoder, gen);
  init_layers(*decoder, gen);
  init_layers(*prior, gen);
  if (transformations) init_layers(*transformations, gen);
}

const std::vector<std::string>& Model::feature_names() const { return impl_->feature_names; }

std::shared_ptr<Model::Impl> Model::Impl::clone() const {
  auto c = std::make_shared<Impl>(options, input_shape, target_shape);
  copy_weights(*encoder, *c->encoder);
  copy_weights(*decoder, *c->decoder);
  copy_weights(*prior, *c->prior);
  if (transformations) copy_weights(*transformations, *c->transformations);
  c->centers = centers;
  c->eigenvalues = eigenvalues;
  c->latent_diffusion = latent_diffusion;
  c->epochs_trained = epochs_trained;
  c->quality = quality;
  c->identifiability = identifiability;
  c->feature_names = feature_names;
  c->input_scaling = input_scaling;
  c->target_scaling = target_scaling;
  c->train(false);
  return c;
}

void Model::Impl::train(bool on) const {
  encoder->train(on);
  decoder->train(on);
  prior->train(on);
  if (transformations) transformations->train(on);
}

torch::Tensor Model::Impl::encode(const torch::Tensor& x) const {
  const torch::Tensor out = encoder->forward(x);
  return variational() ? out.slice(1, 0, options.latent_dim) : out;
}

std::pair<torch::Tensor, torch::Tensor> Model::Impl::posterior(const torch::Tensor& x) const {
  TORCH_CHECK(variational(), "posterior: model '", options.model, "' is deterministic");
  const torch::Tensor out = encoder->forward(x);
  return {out.slice(1, 0, options.latent_dim), out.slice(1, options.latent_dim)};
}

torch::Tensor Model::Impl::decode(const torch::Tensor& z) const {
  std::vector<int64_t> shape{z.size(0)};
  shape.insert(shape.end(), target_shape.begin(), target_shape.end());
  return decoder->forward(z).reshape(shape);
}

torch::Tensor Model::Impl::encode_all(const torch::Tensor& x, bool log_variance, int64_t chunk) const {
  torch::NoGradGuard no_grad;
  // The vector networks' small products lose to fork/join on more threads
  // (200k frames: 0.03 s on one, 0.24-0.39 s on two); image networks keep
  // the threads they are given.
  const bool small = options.encoder_type != "conv";
  const BlasThreadsGuard blas_threads(small ? 1 : 0);
  const TorchThreadsGuard torch_threads(small ? 1 : 0);
  // Image frames: keep the first convolution's activations to about 128 MB.
  if (options.encoder_type == "conv") chunk = std::max<int64_t>(64, std::min(chunk, (int64_t{1} << 22) / shape_product(input_shape)));
  // Written chunk by chunk into one (N, d) result (no list of parts to concatenate).
  if (x.size(0) == 0) return torch::empty({0, options.latent_dim});
  torch::Tensor out;
  for (int64_t i = 0; i < x.size(0); i += chunk) {
    const int64_t e = std::min(x.size(0), i + chunk);
    const torch::Tensor xi = x.slice(0, i, e);
    const torch::Tensor r = log_variance ? posterior(xi).second : encode(xi);
    if (!out.defined()) out = torch::empty({x.size(0), r.size(1)}, r.options());
    out.slice(0, i, e).copy_(r);
  }
  return out;
}

std::vector<ParameterGroup> Model::Impl::parameter_groups() const {
  const ModelKind& kind = model_kind(options.model);
  if (kind.closed_form()) return {};
  ParameterGroup ae{"autoencoder", encoder->parameters()};
  for (auto& t : decoder->parameters()) ae.parameters.push_back(t);
  if (kind.prior == PriorTraining::WithAutoencoder) {
    for (auto& t : prior->parameters()) ae.parameters.push_back(t);
  }
  if (transformations) {
    for (auto& t : transformations->parameters()) ae.parameters.push_back(t);
  }
  std::vector<ParameterGroup> groups{ae};
  if (kind.prior == PriorTraining::OwnStep) groups.push_back({"prior", prior->parameters()});
  return groups;
}

bool Model::Impl::weights_finite() const {
  for (const auto* m : {static_cast<const torch::nn::Module*>(encoder.get()),
                        static_cast<const torch::nn::Module*>(decoder.get()),
                        static_cast<const torch::nn::Module*>(prior.get()),
                        static_cast<const torch::nn::Module*>(transformations.get())}) {
    if (!m) continue;
    for (const auto& p : m->parameters()) {
      if (!torch::isfinite(p).all().item<bool>()) return false;
    }
  }
  return true;
}

// ---- Model ----

Model::Model(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

namespace {

/// The shape of one of x's frames (its shape after the first axis).
std::vector<int64_t> frame_shape_of(const Array& x) {
  return std::vector<int64_t>(x.shape.begin() + (x.shape.empty() ? 0 : 1), x.shape.end());
}

/// Whether x holds frames a network of `frame_shape` takes (a flat frame of
/// as many values also fits).
bool frames_fit(const Array& x, const std::vector<int64_t>& frame_shape) {
  const std::vector<int64_t> got = frame_shape_of(x);
  return x.rank() >= 1 && shape_product(got) == shape_product(frame_shape) && (got.size() <= 1 || got == frame_shape);
}

void check_frames(const Array& x, const std::vector<int64_t>& frame_shape, const std::string& what) {
  if (frames_fit(x, frame_shape)) return;
  std::vector<int64_t> expect = {-1};
  expect.insert(expect.end(), frame_shape.begin(), frame_shape.end());
  throw DataError(what + ": expected frames of shape " + shape_string(expect) + " (first axis = frames), got " +
                  x.shape_string());
}

void check_latents(const Array& z, int64_t d, const std::string& what) {
  if (z.rank() != 2 || z.shape[1] != d) {
    throw DataError(what + ": expected latents of shape (N, " + std::to_string(d) + "), got " + z.shape_string());
  }
}

}  // namespace

void Model::check_input_frames(const Array& x, const std::string& source) const {
  const std::vector<int64_t>& want = input_frame_shape();
  if (frames_fit(x, want)) return;
  std::string trained = "those it was trained on";
  if (!feature_names().empty()) trained += ", " + std::to_string(feature_names().size()) + " named columns";
  throw DataError("'" + source + "': frames of shape " + shape_string(frame_shape_of(x)) + " (" +
                  std::to_string(x.frames()) + " frames); the model takes frames of shape " + shape_string(want) +
                  " (" + trained + "): give the same features, in the same order");
}

Array Model::encode(const Array& x) const {
  check_frames(x, impl_->input_shape, "encode");
  check_finite(x, "encode input");
  std::vector<int64_t> shape{x.frames()};
  shape.insert(shape.end(), impl_->input_shape.begin(), impl_->input_shape.end());
  const torch::Tensor t = impl_->input_scaling.empty() ? to_tensor(x) : to_tensor(impl_->input_scaling.apply(x));
  return to_array(impl_->encode_all(t.reshape(shape)));
}

Array Model::log_variance(const Array& x) const {
  if (!impl_->variational()) {
    throw Error("log_variance: model '" + impl_->options.model + "' is deterministic (only vae, sdevae and sta have one)");
  }
  check_frames(x, impl_->input_shape, "log_variance");
  check_finite(x, "log_variance input");
  std::vector<int64_t> shape{x.frames()};
  shape.insert(shape.end(), impl_->input_shape.begin(), impl_->input_shape.end());
  const torch::Tensor t = impl_->input_scaling.empty() ? to_tensor(x) : to_tensor(impl_->input_scaling.apply(x));
  return to_array(impl_->encode_all(t.reshape(shape), /*log_variance=*/true));
}

Array Model::decode(const Array& z) const {
  check_latents(z, impl_->options.latent_dim, "decode");
  torch::NoGradGuard no_grad;
  const torch::Tensor zt = to_tensor(z);
  std::vector<torch::Tensor> parts;
  const int64_t chunk = std::max<int64_t>(64, std::min<int64_t>(8192, (int64_t{1} << 22) / shape_product(impl_->target_shape)));
  for (int64_t i = 0; i < zt.size(0); i += chunk) parts.push_back(impl_->decode(zt.slice(0, i, std::min(zt.size(0), i + chunk))));
  return impl_->target_scaling.invert(to_array(torch::cat(parts)));
}

Array Model::reconstruct(const Array& x) const { return decode(encode(x)); }

namespace {

void require_dynamics(const Model::Impl& m, const char* what) {
  if (!m.has_dynamics()) {
    throw Error(std::string(what) + ": model '" + m.options.model +
                "' has no learned latent dynamics (only dynae and sdevae do)");
  }
}

}  // namespace

Array Model::force(const Array& z) const {
  require_dynamics(*impl_, "force");
  check_latents(z, impl_->options.latent_dim, "force");
  torch::NoGradGuard no_grad;
  return to_array(impl_->prior->force(to_tensor(z)));
}

bool Model::has_potential() const { return impl_->has_dynamics() && impl_->prior->conservative(); }

Array Model::free_energy(const Array& z) const {
  if (!has_potential()) {
    throw Error("free energy: this " + model_display_name(impl_->options.model) +
                " model's force is not conservative (train with force_field = conservative), so it has no free energy "
                "of its own; dynae landscape gives the histogram one");
  }
  check_latents(z, impl_->options.latent_dim, "free energy");
  torch::NoGradGuard no_grad;
  return to_array(impl_->prior->potential(to_tensor(z)));
}

Array Model::diffusion(const Array& z) const {
  require_dynamics(*impl_, "diffusion");
  check_latents(z, impl_->options.latent_dim, "diffusion");
  torch::NoGradGuard no_grad;
  return to_array(torch::exp(impl_->prior->log_diffusion(to_tensor(z))));
}

const Array& Model::latent_diffusion() const { return impl_->latent_diffusion; }

Array Model::simulate_latent(const Array& z0, int64_t steps, uint64_t seed, double* acceptance,
                             bool unit_diffusion) const {
  require_dynamics(*impl_, "simulate_latent");
  check_latents(z0, impl_->options.latent_dim, "simulate_latent start");
  if (steps < 0) throw ConfigError("simulate_latent: steps must be >= 0, got " + std::to_string(steps));
  const int64_t m = z0.frames(), d = impl_->options.latent_dim;
  {
    // The trajectory (float64) before it is allocated.
    const double bytes = (static_cast<double>(steps) + 1) * static_cast<double>(m) * static_cast<double>(d) * 8.0;
    const double memory = physical_memory_bytes();
    if (memory > 0 && bytes > 0.5 * memory) {
      throw ConfigError("simulate_latent: " + std::to_string(steps) + " steps of " + std::to_string(m) +
                        " trajectories in " + std::to_string(d) + " dimensions need " +
                        std::to_string(static_cast<int64_t>(bytes / 1e9)) + " GB, more than half of this machine's " +
                        std::to_string(static_cast<int64_t>(memory / 1e9)) + " GB; run fewer or shorter trajectories");
    }
  }
  torch::NoGradGuard no_grad;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  torch::Tensor out = torch::empty({steps + 1, m, d}, torch::kFloat64);
  torch::Tensor z = to_tensor(z0);
  out[0].copy_(z);
  const bool euler_unit_noise = model_kind(impl_->options.model).dynamics == LatentDynamics::EulerUnitNoise;
  LangevinPriorImpl& prior = *impl_->prior;
  // A conservative force: Metropolis-adjusted Langevin steps (each of the
  // prior's substeps of 1/n), so that the chain's stationary density is
  // exp(-U) exactly; unadjusted Euler steps are biased where U curves over a
  // move. With a learned diffusion the proposal is the prior's own move,
  // N(z + D f + div D, 2 D), and q is evaluated with D at its start.
  const bool metropolis = !euler_unit_noise && prior.conservative();
  const int64_t substeps = prior.substeps();
  const double h = 1.0 / static_cast<double>(substeps);
  struct Point {
    torch::Tensor z, u, drift, diffusion;  // drift = h (D f + div D), diffusion = D
  };
  auto evaluate = [&](const torch::Tensor& at) {
    Point p{at, prior.potential(at), {}, {}};
    if (prior.learns_diffusion()) {
      p.diffusion = torch::exp(prior.log_diffusion(at));
      p.drift = h * (p.diffusion * prior.force(at) + prior.spurious_drift(at, /*create_graph=*/false));
    } else {
      p.diffusion = torch::ones_like(at);
      p.drift = h * prior.force(at);
    }
    return p;
  };
  // log q(a | b) up to a constant
  auto log_q = [&](const torch::Tensor& a, const Point& b) {
    return -((a - b.z - b.drift).pow(2) / (4 * h * b.diffusion) + 0.5 * torch::log(b.diffusion)).sum(1);
  };
  Point here = metropolis ? evaluate(z) : Point{};
  // The measured diffusion: noise L xi with L L^T = 2 D (the same draws as the prior's sqrt(2) xi).
  torch::Tensor noise_factor;
  if (!unit_diffusion && impl_->latent_diffusion.size() &&
      moves_with_latent_diffusion(prior, model_kind(impl_->options.model).dynamics)) {
    noise_factor = torch::linalg_cholesky(2.0 * to_tensor(impl_->latent_diffusion)).transpose(0, 1).contiguous();
  }
  double accepted = 0;
  for (int64_t s = 1; s <= steps; ++s) {
    if (euler_unit_noise) {
      z = z + prior.force(z) + torch::randn(z.sizes(), gen, z.options());
    } else if (metropolis) {
      for (int64_t k = 0; k < substeps; ++k) {
        const torch::Tensor proposal =
            here.z + here.drift + torch::sqrt(2.0 * h * here.diffusion) * torch::randn(z.sizes(), gen, z.options());
        const Point there = evaluate(proposal);
        const torch::Tensor log_ratio = here.u - there.u + log_q(here.z, there) - log_q(proposal, here);
        const torch::Tensor accept =
            torch::log(torch::rand({z.size(0)}, gen, z.options())) < log_ratio;  // NaN proposals are refused
        const torch::Tensor keep = accept.unsqueeze(1);
        here = Point{torch::where(keep, there.z, here.z), torch::where(accept, there.u, here.u),
                     torch::where(keep, there.drift, here.drift), torch::where(keep, there.diffusion, here.diffusion)};
        accepted += accept.to(torch::kFloat64).mean().item<double>();
      }
      z = here.z;
    } else if (noise_factor.defined()) {
      z = z + prior.force(z) + torch::matmul(torch::randn(z.sizes(), gen, z.options()), noise_factor);
    } else {
      z = prior.sample(z, gen);
    }
    out[s].copy_(z);
    if (s % 1000 == 0 || s == steps) {
      if (!torch::isfinite(z).all().item<bool>()) {
        throw Error("the learned latent dynamics left the finite numbers by step " + std::to_string(s) +
                    ": the force is not confining there");
      }
    }
  }
  if (acceptance) *acceptance = metropolis && steps > 0 ? accepted / static_cast<double>(steps * substeps) : NAN;
  return to_array(out);
}

namespace {

SparseTransformationsImpl& require_flow_fields(const Model::Impl& m, const char* what) {
  if (!m.transformations) {
    throw Error(std::string(what) + ": model '" + m.options.model +
                "' has no learned flow fields (only sta, Sparse Transformation Analysis, does)");
  }
  return *m.transformations;
}

}  // namespace

int64_t Model::flow_field_count() const { return impl_->transformations ? impl_->transformations->count() : 0; }

Array Model::flow_fields(const Array& z) const {
  SparseTransformationsImpl& sta = require_flow_fields(*impl_, "flow_fields");
  check_latents(z, impl_->options.latent_dim, "flow_fields");
  torch::NoGradGuard no_grad;
  return to_array(sta.fields(to_tensor(z)));
}

namespace {

/// The speeds' posterior (mean, log-variance), each (N, K), of the transitions x0[i] -> x1[i].
std::pair<torch::Tensor, torch::Tensor> speed_posterior_of(const Model& model, SparseTransformationsImpl& sta,
                                                           const Array& x0, const Array& x1, const char* what) {
  if (x0.frames() != x1.frames()) {
    throw DataError(std::string(what) + ": expected as many frames after as before, got " +
                    std::to_string(x0.frames()) + " and " + std::to_string(x1.frames()));
  }
  const Array z0 = model.encode(x0), z1 = model.encode(x1);
  torch::NoGradGuard no_grad;
  return sta.speed_posterior(to_tensor(z0), to_tensor(z1));
}

}  // namespace

Array Model::transition_speeds(const Array& x0, const Array& x1) const {
  SparseTransformationsImpl& sta = require_flow_fields(*impl_, "transition_speeds");
  return to_array(speed_posterior_of(*this, sta, x0, x1, "transition_speeds").first);
}

Array Model::speed_kl(const Array& x0, const Array& x1) const {
  SparseTransformationsImpl& sta = require_flow_fields(*impl_, "speed_kl");
  const auto [mean, logvar] = speed_posterior_of(*this, sta, x0, x1, "speed_kl");
  torch::NoGradGuard no_grad;
  return to_array(sta_speed_kl(*impl_, mean, logvar));
}

Array Model::posterior_kl(const Array& x) const {
  if (!impl_->variational()) {
    throw Error("posterior_kl: model '" + impl_->options.model + "' is deterministic (only vae, sdevae and sta have a posterior)");
  }
  const Array mean = encode(x), logvar = log_variance(x);
  torch::NoGradGuard no_grad;
  return to_array(kl_to_standard_normal(to_tensor(mean), to_tensor(logvar)));
}

Array Model::transport(const Array& z, const Array& speeds) const {
  SparseTransformationsImpl& sta = require_flow_fields(*impl_, "transport");
  check_latents(z, impl_->options.latent_dim, "transport");
  if (speeds.rank() != 2 || speeds.shape[0] != z.frames() || speeds.shape[1] != sta.count()) {
    throw DataError("transport: expected speeds of shape (" + std::to_string(z.frames()) + ", " +
                    std::to_string(sta.count()) + "), got " + speeds.shape_string());
  }
  check_finite(speeds, "transport speeds");
  torch::NoGradGuard no_grad;
  return to_array(sta.flow(to_tensor(z), to_tensor(speeds)));
}

const Array& Model::cluster_centers() const { return impl_->centers; }
const std::string& Model::model_name() const { return impl_->options.model; }
bool Model::is_variational() const { return impl_->variational(); }
bool Model::has_dynamics() const { return impl_->has_dynamics(); }
const Array& Model::eigenvalues() const { return impl_->eigenvalues; }
const ModelOptions& Model::options() const { return impl_->options; }
const std::vector<int64_t>& Model::input_frame_shape() const { return impl_->input_shape; }
const std::vector<int64_t>& Model::target_frame_shape() const { return impl_->target_shape; }
int64_t Model::epochs_trained() const { return impl_->epochs_trained; }

const TrainingQuality& Model::quality() const { return impl_->quality; }
const Identifiability& Model::identifiability() const { return impl_->identifiability; }

double Identifiability::halves_spread() const {
  if (kappa_first_half.empty() || kappa_first_half.size() != kappa_second_half.size()) return std::nan("");
  double worst = 0;
  for (size_t i = 0; i < kappa_first_half.size(); ++i) {
    const double a = kappa_first_half[i], b = kappa_second_half[i], mean = 0.5 * (std::fabs(a) + std::fabs(b));
    if (!std::isfinite(a) || !std::isfinite(b)) return std::nan("");
    if (mean > 0) worst = std::max(worst, std::fabs(a - b) / mean);
  }
  return worst;
}

std::vector<int64_t> Identifiability::flagged() const {
  std::vector<int64_t> out;
  for (size_t i = 0; i < kappa.size(); ++i) {
    if (!(kappa[i] <= 1.0)) out.push_back(static_cast<int64_t>(i));
  }
  return out;
}

}  // namespace dynae
