// Sparse Transformation Analysis (model kind sta): the KL to the Laplace
// prior against quadrature, the objective's gradients against central
// differences in double precision, a short fit on transformation movies
// (save/load round trip, seeds reproduce, the analysis' shapes and sums),
// the truth scoring (primitive_carry) on known answers, and bad options.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "dynae/analysis/transformations.h"
#include "dynae/data/trajectory_set.h"
#include "dynae/errors.h"
#include "dynae/models/model.h"
#include "dynae/runtime.h"
#include "dynae/simulate/transformations.h"
#include "dynae/training/estimator.h"
#include "losses/gaussian.h"
#include "models/objective.h"

using namespace dynae;

namespace sta_test {

double laplace_kl_by_quadrature(double m, double sigma) {
  // KL = int q log(q / p), q = N(m, sigma^2), p = exp(-|s|) / 2, on +-12 sigma
  const double pi = 3.14159265358979323846;
  const int n = 200000;
  const double a = m - 12 * sigma, b = m + 12 * sigma, h = (b - a) / n;
  double sum = 0;
  for (int i = 0; i <= n; ++i) {
    const double s = a + h * i;
    const double q = std::exp(-0.5 * std::pow((s - m) / sigma, 2)) / (sigma * std::sqrt(2 * pi));
    const double term = q > 0 ? q * (std::log(q) - (-std::fabs(s) - std::log(2.0))) : 0.0;
    sum += (i == 0 || i == n ? 0.5 : 1.0) * term;
  }
  return sum * h;
}

const std::vector<TransformationSequence>& movies() {
  static const std::vector<TransformationSequence> seqs = [] {
    TransformationOptions o;
    o.frames = 1200;
    o.size = 16;
    o.seed = 4;
    return simulate_transformations(o, 1);
  }();
  return seqs;
}

TrajectorySet movie_set() {
  TrajectorySet s;
  s.add("movie", movies()[0].movie);
  return s;
}

ModelOptions small_sta(uint64_t seed) {
  return ModelOptions()
      .set_model("sta")
      .set_latent_dim(3)
      .set_encoder_hidden(32)
      .set_decoder_hidden(32)
      .set_batch_size(128)
      .set_epochs(3)
      .set_beta(0.01)
      .set_seed(seed);
}

}  // namespace sta_test

TEST(Sta, KlToLaplaceMatchesQuadrature) {
  for (const auto& [m, sigma] : std::vector<std::pair<double, double>>{{0.0, 1.0}, {0.7, 0.3}, {-2.5, 0.05}, {0.1, 2.0}}) {
    const torch::Tensor mean = torch::tensor({m}, torch::kFloat64);
    const torch::Tensor logvar = torch::tensor({2 * std::log(sigma)}, torch::kFloat64);
    const double formula = kl_normal_to_laplace(mean, logvar).item<double>();
    const double quadrature = sta_test::laplace_kl_by_quadrature(m, sigma);
    EXPECT_NEAR(formula, quadrature, 1e-6) << "m " << m << " sigma " << sigma;
  }
  // N(0, 1) against Laplace(0, 1): log 2 + sqrt(2/pi) - 0.5 log(2 pi e)
  EXPECT_NEAR(sta_test::laplace_kl_by_quadrature(0, 1), std::log(2.0) + std::sqrt(2 / M_PI) - 0.5 * std::log(2 * M_PI * M_E), 1e-6);
}

// The whole objective (encoder, speed net, Heun flow along the fields,
// decoder, both KL terms) in double precision, the same noise each call:
// autograd's gradient against central differences for weights of every part.
TEST(Sta, ObjectiveGradientsMatchCentralDifferences) {
  for (const std::string prior : {"laplace", "normal"}) {
    const ModelOptions o = ModelOptions()
                               .set_model("sta")
                               .set_latent_dim(3)
                               .set_encoder_hidden(5)
                               .set_decoder_hidden(5)
                               .set_sta_potential_fields(1)
                               .set_sta_rotational_fields(1)
                               .set_sta_hidden(4)
                               .set_sta_speed_prior(prior);
    auto gen = at::make_generator<at::CPUGeneratorImpl>(7);
    Model::Impl m(o, {4}, {4}, gen);
    for (torch::nn::Module* net : {static_cast<torch::nn::Module*>(m.encoder.get()),
                                   static_cast<torch::nn::Module*>(m.decoder.get()),
                                   static_cast<torch::nn::Module*>(m.transformations.get())}) {
      net->to(torch::kFloat64);
    }
    torch::manual_seed(1);
    const torch::Tensor x = torch::randn({6, 4}, torch::kFloat64);
    const torch::Tensor y = x + 0.3 * torch::randn({6, 4}, torch::kFloat64);
    const PairBatch batch{x, y, x, y};
    const auto objective = make_objective("sta");
    auto loss = [&] {
      auto g = at::make_generator<at::CPUGeneratorImpl>(11);
      return objective->loss(m, batch, 0.7, g).loss;
    };
    const torch::Tensor value = loss();
    ASSERT_EQ(value.scalar_type(), torch::kFloat64);
    std::vector<torch::Tensor> params;
    for (const auto& p : m.encoder->parameters()) params.push_back(p);
    for (const auto& p : m.decoder->parameters()) params.push_back(p);
    for (const auto& p : m.transformations->parameters()) params.push_back(p);
    const auto grads = torch::autograd::grad({value}, params, {}, false, false, /*allow_unused=*/true);
    int checked = 0, nonzero = 0;
    for (size_t i = 0; i < params.size(); ++i) {
      torch::Tensor p = params[i];
      const torch::Tensor g = grads[i].defined() ? grads[i] : torch::zeros_like(p);
      torch::NoGradGuard no_grad;
      auto flat = p.view({-1});
      for (int64_t j = 0; j < flat.numel(); j += std::max<int64_t>(1, flat.numel() / 3)) {
        const double keep = flat[j].item<double>(), h = 1e-6;
        flat[j] = keep + h;
        const double up = loss().item<double>();
        flat[j] = keep - h;
        const double down = loss().item<double>();
        flat[j] = keep;
        const double fd = (up - down) / (2 * h), ad = g.view({-1})[j].item<double>();
        EXPECT_NEAR(ad, fd, 1e-6 + 1e-5 * std::fabs(fd)) << prior << ": parameter " << i << " entry " << j;
        ++checked;
        if (std::fabs(fd) > 1e-8) ++nonzero;
      }
    }
    EXPECT_GT(checked, 60);
    EXPECT_GT(nonzero, checked / 2);  // the fields' and speed net's weights reach the loss
  }
}

TEST(Sta, FitSavesLoadsReproducesAndIsAnalysed) {
  set_num_threads(1);
  const TrajectorySet data = sta_test::movie_set();
  const Model a = Estimator(sta_test::small_sta(1)).fit(data);
  const Model b = Estimator(sta_test::small_sta(1)).fit(data);
  const Model c = Estimator(sta_test::small_sta(2)).fit(data);
  EXPECT_EQ(a.model_name(), "sta");
  EXPECT_EQ(a.flow_field_count(), 4);  // defaults: 3 potential + 1 rotational
  EXPECT_EQ(a.to_bytes(), b.to_bytes());
  EXPECT_NE(a.to_bytes(), c.to_bytes());

  const Array& x = sta_test::movies()[0].movie;
  const Array x0 = x.slice_frames(0, 50), x1 = x.slice_frames(1, 51);
  const Model loaded = Model::from_bytes(a.to_bytes(), "test");
  const Array z = a.encode(x0), s = a.transition_speeds(x0, x1);
  EXPECT_EQ(s.shape, (std::vector<int64_t>{50, 4}));
  EXPECT_EQ(loaded.transition_speeds(x0, x1).data, s.data);
  EXPECT_EQ(loaded.flow_fields(z).data, a.flow_fields(z).data);
  EXPECT_EQ(a.flow_fields(z).shape, (std::vector<int64_t>{50, 4, 3}));
  EXPECT_EQ(loaded.transport(z, s).data, a.transport(z, s).data);
  // Zero speeds move nothing.
  EXPECT_EQ(a.transport(z, Array::zeros({50, 4})).data, z.data);
  EXPECT_THROW(a.transport(z, Array::zeros({50, 3})), DataError);
  EXPECT_THROW(a.transition_speeds(x0, x.slice_frames(1, 50)), DataError);

  const TransformationAnalysis t = analyse_transformations(a, {x}, {}, 1);
  ASSERT_EQ(t.speeds.size(), 1u);
  EXPECT_EQ(t.speeds[0].shape, (std::vector<int64_t>{x.frames() - 1, 4}));
  // The norms stored at the end of training make each field unit RMS over the training latents.
  for (double scale : t.field_scale) EXPECT_NEAR(scale, 1.0, 1e-3);
  double share = 0;
  for (double v : t.field_share) share += v;
  EXPECT_NEAR(share, 1.0, 1e-12);
  EXPECT_GE(t.active_fields, 1.0);
  EXPECT_LE(t.active_fields, 4.0);
  EXPECT_EQ(t.next_frame.transitions, x.frames() - 1);
  EXPECT_TRUE(std::isfinite(t.next_frame.relative));
  EXPECT_TRUE(std::isfinite(t.latent_equivariance));
  {
    // The evidence bound takes off the speeds' information, per value.
    const Array kl = a.speed_kl(x.slice_frames(0, x.frames() - 1), x.slice_frames(1, x.frames()));
    double mean = 0;
    for (int64_t i = 0; i < kl.size(); ++i) mean += kl.data[i] / static_cast<double>(kl.size());
    EXPECT_GT(mean, 0.0);
    EXPECT_NEAR(t.next_frame.kl, mean, 1e-9 * mean);
    EXPECT_NEAR(t.next_frame.elbo(), t.next_frame.log_likelihood() - mean / 256.0, 1e-9);
  }
  // The speeds are the posterior means times the fields' scales.
  EXPECT_NEAR(t.speeds[0].at(0, 2), s.at(0, 2) * t.field_scale[2], 1e-9 * (1 + std::fabs(t.speeds[0].at(0, 2))));

  // Models without fields: their reconstruction of the next frame.
  const Model vae = Estimator(sta_test::small_sta(1).set_model("vae")).fit(data);
  EXPECT_EQ(vae.flow_field_count(), 0);
  EXPECT_THROW(vae.transition_speeds(x0, x1), Error);
  EXPECT_THROW(analyse_transformations(vae, {x}, {}, 1), Error);
  const NextFrameError e = next_frame_error(vae, {x}, {}, 1);
  const Array r = vae.reconstruct(x.slice_frames(1, x.frames()));
  double sq = 0;
  for (int64_t i = 0; i < r.size(); ++i) sq += std::pow(r.data[i] - x.data[i + x.frame_size()], 2);
  EXPECT_NEAR(e.mse, sq / static_cast<double>(r.size()), 1e-9);
  const Array kl = vae.posterior_kl(x.slice_frames(1, x.frames()));
  double mean = 0;
  for (int64_t i = 0; i < kl.size(); ++i) mean += kl.data[i] / static_cast<double>(kl.size());
  EXPECT_NEAR(e.kl, mean, 1e-9 * mean);
  // Deterministic models have no bound.
  const Model tae = Estimator(sta_test::small_sta(1).set_model("tae").set_epochs(1)).fit(data);
  EXPECT_TRUE(std::isnan(next_frame_error(tae, {x}, {}, 1).elbo()));
  EXPECT_THROW(tae.posterior_kl(x0), Error);
}

TEST(Sta, PrimitiveCarryKnownAnswers) {
  // Label 0 carried by field 1 (3 of 4 units), label 1 by field 0 entirely; -1 ignored.
  const Array s({4, 2}, {0.5, 1.0, -0.5, -2.0, 3.0, 0.0, 100.0, 100.0});
  const auto carry = primitive_carry({s}, {0, 0, 1, -1});
  ASSERT_EQ(carry.size(), 2u);
  EXPECT_EQ(carry[0].label, 0);
  EXPECT_EQ(carry[0].field, 1);
  EXPECT_EQ(carry[0].transitions, 2);
  EXPECT_DOUBLE_EQ(carry[0].share, 0.75);
  EXPECT_EQ(carry[1].field, 0);
  EXPECT_DOUBLE_EQ(carry[1].share, 1.0);
  EXPECT_THROW(primitive_carry({s}, {0, 1}), DataError);
}

TEST(Sta, BadOptionsAreNamed) {
  auto message = [](const ModelOptions& o) {
    try {
      o.validate();
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(message(ModelOptions().set_model("sta").set_sta_potential_fields(0).set_sta_rotational_fields(0))
                .find("at least one flow field"),
            std::string::npos);
  EXPECT_NE(message(ModelOptions().set_model("sta").set_latent_dim(1)).find("sta_rotational_fields"), std::string::npos);
  EXPECT_EQ(message(ModelOptions().set_model("sta").set_latent_dim(1).set_sta_rotational_fields(0)), "");
  // Other kinds ignore the STA options.
  EXPECT_EQ(message(ModelOptions().set_model("vae").set_latent_dim(1)), "");
}
