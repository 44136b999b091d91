// dynae export: TorchScript modules that torch::jit::load runs as PLUMED's
// PYTORCH_MODEL does, giving the model's own numbers and input gradients.
#include <gtest/gtest.h>
#include <torch/script.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "dynae/data/feature_scaling.h"
#include "dynae/data/trajectory_set.h"
#include "dynae/errors.h"
#include "dynae/export/torchscript.h"
#include "dynae/training/estimator.h"
#include "models/model_impl.h"
#include "test_util.h"

using namespace dynae;

namespace {

/// A small 3-feature trajectory: a 2-D random walk embedded nonlinearly.
TrajectorySet small_data() {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> n;
  std::vector<double> v;
  double a = 0, b = 0;
  for (int t = 0; t < 3000; ++t) {
    a = 0.95 * a + 0.3 * n(rng);
    b = 0.9 * b + 0.3 * n(rng);
    v.insert(v.end(), {a, b + 0.3 * a * a, std::sin(a) - b});
  }
  TrajectorySet d;
  d.add("walk", Array({3000, 3}, v));
  d.set_feature_names({"d1", "d2", "phi"});
  return d;
}

Model trained(const std::string& kind) {
  return Estimator(ModelOptions().set_model(kind).set_epochs(2).set_prior_refit_steps(10).set_seed(1)).fit(small_data());
}

/// forward of a loaded module on float32 rows of `x` (N, D).
Array run_module(torch::jit::Module& m, const Array& x) {
  torch::Tensor t = torch::empty({x.frames(), x.frame_size()}, torch::kFloat32);
  for (int64_t i = 0; i < x.size(); ++i) t.data_ptr<float>()[i] = static_cast<float>(x.data[i]);
  const torch::Tensor y = m.forward({t}).toTensor().contiguous();
  Array out = Array::zeros({y.size(0), y.size(1)});
  for (int64_t i = 0; i < out.size(); ++i) out.data[i] = y.data_ptr<float>()[i];
  return out;
}

void expect_close(const Array& a, const Array& b, double tol) {
  ASSERT_EQ(a.shape, b.shape);
  for (int64_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a.data[i], b.data[i], tol * std::max(1.0, std::abs(b.data[i]))) << i;
}

}  // namespace

TEST(Export, EncoderRunsAsPlumedRunsItWithTheModelsJacobian) {
  const std::string dir = test::scratch_dir("export_encoder");
  const Model model = trained("dynae");
  const ExportInfo info = export_torchscript(model, ExportTarget::Encoder, dir + "/cv.pt");
  EXPECT_EQ(info.inputs, 3);
  EXPECT_EQ(info.outputs, 2);
  EXPECT_EQ(info.input_names, (std::vector<std::string>{"d1", "d2", "phi"}));
  EXPECT_NE(plumed_lines(info, "cv.pt").find("cv: PYTORCH_MODEL FILE=cv.pt ARG=d1,d2,phi"), std::string::npos);

  torch::jit::Module m = torch::jit::load(dir + "/cv.pt");
  EXPECT_EQ(m.attr("inputs").toInt(), 3);
  EXPECT_EQ(m.attr("what").toStringRef(), "encoder");
  const Array x = small_data().trajectories()[0].input.slice_frames(100, 400);
  expect_close(run_module(m, x), model.encode(x), 1e-5);

  // PLUMED's PytorchModel: a (1, N) float32 input that requires grad, each
  // output backpropagated in turn; the Jacobian against finite differences
  // of the model itself around the same point.
  for (int64_t row : {0, 57, 211}) {
    torch::Tensor in = torch::empty({1, 3}, torch::kFloat32);
    for (int j = 0; j < 3; ++j) in[0][j] = static_cast<float>(x.at(row, j));
    in.set_requires_grad(true);
    const torch::Tensor out = m.forward({in}).toTensor();
    ASSERT_EQ(out.sizes(), (std::vector<int64_t>{1, 2}));
    for (int64_t k = 0; k < 2; ++k) {
      if (in.grad().defined()) in.grad().zero_();
      out[0][k].backward({}, /*retain_graph=*/true);
      for (int j = 0; j < 3; ++j) {
        // The ReLU networks are piecewise linear: the gradient is that of the
        // piece holding x, so it equals the one-sided difference on a side
        // that no kink crosses within h (a kink near x spoils one side only).
        const double h = 1e-3;
        Array p = x.slice_frames(row, row + 1), q = p, c = p;
        p.data[j] += h;
        q.data[j] -= h;
        const double at = model.encode(c).data[k];
        const double forward = (model.encode(p).data[k] - at) / h, backward = (at - model.encode(q).data[k]) / h;
        const double g = in.grad()[0][j].item<double>();
        const double off = std::min(std::abs(g - forward), std::abs(g - backward));
        EXPECT_LT(off, 2e-3 * std::max(1.0, std::abs(forward))) << "row " << row << " z" << k << " / x" << j << ": gradient " << g
                                                               << ", differences " << forward << " / " << backward;
      }
    }
  }
}

TEST(Export, DecoderForceAndBaselinesAndWhatCannotBeExported) {
  const std::string dir = test::scratch_dir("export_parts");
  const Model model = trained("dynae");
  const Array z = model.encode(small_data().trajectories()[0].input.slice_frames(0, 50));
  export_torchscript(model, ExportTarget::Decoder, dir + "/dec.pt");
  torch::jit::Module dec = torch::jit::load(dir + "/dec.pt");
  expect_close(run_module(dec, z), model.decode(z), 1e-5);
  const ExportInfo fi = export_torchscript(model, ExportTarget::Force, dir + "/force.pt");
  EXPECT_EQ(fi.inputs, 2);
  torch::jit::Module force = torch::jit::load(dir + "/force.pt");
  expect_close(run_module(force, z), model.force(z), 1e-5);
  EXPECT_THROW(export_torchscript(model, ExportTarget::FreeEnergy, dir + "/u.pt"), ConfigError);
  EXPECT_FALSE(test::file_exists(dir + "/u.pt"));

  // Baselines: the VAE's encoder exports its posterior mean; TICA its linear map and no force.
  const Array x = small_data().trajectories()[0].input.slice_frames(0, 80);
  for (const char* kind : {"vae", "tica"}) {
    const Model b = trained(kind);
    export_torchscript(b, ExportTarget::Encoder, dir + "/" + kind + ".pt");
    torch::jit::Module e = torch::jit::load(dir + "/" + kind + ".pt");
    expect_close(run_module(e, x), b.encode(x), 1e-5);
  }
  EXPECT_THROW(export_torchscript(trained("tica"), ExportTarget::Force, dir + "/tf.pt"), ConfigError);
  EXPECT_THROW(parse_export_target("gradient"), ConfigError);
}

TEST(Standardize, TheModelTakesRawFramesEverywhereAndKeepsItsScaling) {
  // Features of wildly different units: one in the thousands, one in thousandths.
  TrajectorySet raw;
  {
    const TrajectorySet base = small_data();
    const Array& a = base.trajectories()[0].input;
    Array x = a;
    for (int64_t t = 0; t < x.frames(); ++t) {
      x.at(t, 0) = 5000 + 1000 * a.at(t, 0);
      x.at(t, 1) = 1e-3 * a.at(t, 1);
    }
    raw.add("walk", x);
    raw.set_feature_names({"d1", "d2", "phi"});
  }
  const FeatureScaling s = FeatureScaling::fit(raw, false);
  ASSERT_EQ(s.size(), 3);
  // Known answer: the mean and (population) sd of every column.
  const Array& x = raw.trajectories()[0].input;
  for (int k = 0; k < 3; ++k) {
    double m = 0, v = 0;
    for (int64_t t = 0; t < x.frames(); ++t) m += x.at(t, k) / static_cast<double>(x.frames());
    for (int64_t t = 0; t < x.frames(); ++t) v += std::pow(x.at(t, k) - m, 2) / static_cast<double>(x.frames());
    EXPECT_NEAR(s.shift[k], m, 1e-9 * std::max(1.0, std::abs(m)));
    EXPECT_NEAR(s.scale[k], std::sqrt(v), 1e-9 * std::sqrt(v));
  }
  const Array back = s.invert(s.apply(x));
  for (int64_t i = 0; i < x.size(); ++i) EXPECT_NEAR(back.data[i], x.data[i], 1e-9 * std::max(1.0, std::abs(x.data[i])));
  // A constant column is shifted, not divided by zero.
  TrajectorySet flat;
  flat.add("flat", Array({3, 2}, {1, 7, 2, 7, 3, 7}));
  const FeatureScaling fs = FeatureScaling::fit(flat, false);
  EXPECT_EQ(fs.scale[1], 1.0);
  EXPECT_EQ(fs.shift[1], 7.0);

  const Model model = Estimator(ModelOptions().set_epochs(2).set_prior_refit_steps(10).set_seed(1).set_standardize("True")).fit(raw);
  // encode(raw) is the networks applied to the standardised frames.
  const Array part = x.slice_frames(0, 200);
  const Array z = model.encode(part);
  const Model::Impl& m = model.impl();
  torch::Tensor st = torch::empty({200, 3}, torch::kFloat32);
  const Array sp = s.apply(part);
  for (int64_t i = 0; i < sp.size(); ++i) st.data_ptr<float>()[i] = static_cast<float>(sp.data[i]);
  const torch::Tensor zt = m.encode_all(st).to(torch::kFloat64).contiguous();
  for (int64_t i = 0; i < z.size(); ++i) EXPECT_NEAR(z.data[i], zt.data_ptr<double>()[i], 1e-9);
  // decode gives raw units: reconstructions near the frames' own scale.
  const Array r = model.decode(z);
  double mean0 = 0;
  for (int64_t t = 0; t < r.frames(); ++t) mean0 += r.at(t, 0) / static_cast<double>(r.frames());
  EXPECT_GT(mean0, 2000);
  EXPECT_LT(mean0, 8000);
  // Saved and loaded: the same scaling and the same latents.
  const std::string dir = test::scratch_dir("standardize");
  model.save(dir + "/model.pt");
  const Model loaded = Model::load(dir + "/model.pt");
  EXPECT_EQ(loaded.impl().input_scaling.shift, s.shift);
  EXPECT_EQ(loaded.impl().input_scaling.scale, s.scale);
  EXPECT_EQ(loaded.encode(part).data, z.data);
  // Exported encoder and decoder take and give raw features.
  export_torchscript(model, ExportTarget::Encoder, dir + "/cv.pt");
  torch::jit::Module enc = torch::jit::load(dir + "/cv.pt");
  expect_close(run_module(enc, part), z, 1e-4);
  export_torchscript(model, ExportTarget::Decoder, dir + "/dec.pt");
  torch::jit::Module dec = torch::jit::load(dir + "/dec.pt");
  expect_close(run_module(dec, z), r, 1e-4);
  // Without the option nothing is stored.
  EXPECT_TRUE(trained("dynae").impl().input_scaling.empty());
}

TEST(Export, AConservativeForceExportsItsFreeEnergyAndForceAndSurvivesACheckpoint) {
  const std::string dir = test::scratch_dir("export_conservative");
  const Model model = Estimator(ModelOptions().set_force_field("conservative").set_epochs(2).set_prior_refit_steps(10)
                                    .set_seed(1)).fit(small_data());
  ASSERT_TRUE(model.has_potential());
  const Array z = model.encode(small_data().trajectories()[0].input.slice_frames(0, 50));
  // the model's force is minus the gradient of its free energy
  const double h = 1e-4;
  const Array f = model.force(z);
  for (int64_t i = 0; i < 2; ++i) {
    Array up = z, down = z;
    for (int64_t t = 0; t < z.frames(); ++t) {
      up.at(t, i) += h;
      down.at(t, i) -= h;
    }
    const Array uu = model.free_energy(up), ud = model.free_energy(down);
    for (int64_t t = 0; t < z.frames(); ++t) {
      EXPECT_NEAR(-(uu.data[t] - ud.data[t]) / (2 * h), f.at(t, i), 2e-3 * std::max(1.0, std::abs(f.at(t, i))));
    }
  }
  const ExportInfo ui = export_torchscript(model, ExportTarget::FreeEnergy, dir + "/u.pt");
  EXPECT_EQ(ui.inputs, 2);
  EXPECT_EQ(ui.outputs, 1);
  torch::jit::Module u = torch::jit::load(dir + "/u.pt");
  Array u_model = model.free_energy(z);
  u_model.shape = {z.frames(), 1};
  expect_close(run_module(u, z), u_model, 1e-5);
  export_torchscript(model, ExportTarget::Force, dir + "/f.pt");
  torch::jit::Module fm = torch::jit::load(dir + "/f.pt");
  expect_close(run_module(fm, z), f, 1e-5);

  model.save(dir + "/model.pt");
  const Model back = Model::load(dir + "/model.pt");
  EXPECT_EQ(back.options().force_field, "conservative");
  expect_close(back.free_energy(z), model.free_energy(z), 1e-12);
  expect_close(back.force(z), f, 1e-12);
  // a free force has no free energy of its own
  EXPECT_THROW(trained("dynae").free_energy(z), Error);
}
