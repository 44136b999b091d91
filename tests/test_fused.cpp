// The fused training path (hand-written forward/backward, SWD with its
// gradient, flat Adam) against the plain LibTorch path it replaces: same
// values, same gradients, same updates, and the same trained model.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <ATen/CPUGeneratorImpl.h>

#include "dynae/training/estimator.h"
#include "dynae/analysis/metrics.h"
#include "dynae/data/npy.h"
#include "dynae/models/model.h"
#include "dynae/runtime.h"
#include "losses/sliced_wasserstein.h"
#include "losses/sliced_wasserstein_kernel.h"
#include "models/model_impl.h"
#include "nn/fused_mlp.h"
#include "cpu/small_gemm.h"
#include "nn/mlp.h"
#include "training/flat_adam.h"
#include "data/frame_rows.h"
#include "training/train_step.h"
#include "model_compare.h"

using namespace dynae;

namespace {

float max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<float>();
}

/// The FusedMlp view of `net`, with gradients into `grads` (one per parameter).
FusedMlp view_of(MlpImpl& net, std::vector<torch::Tensor>& grads) {
  std::vector<DenseLayer> layers;
  for (auto& lin : net.layers()) {
    grads.push_back(torch::zeros_like(lin->weight));
    grads.push_back(torch::zeros_like(lin->bias));
    DenseLayer l;
    l.weight = lin->weight.data_ptr<float>();
    l.bias = lin->bias.data_ptr<float>();
    l.grad_weight = grads[grads.size() - 2].data_ptr<float>();
    l.grad_bias = grads.back().data_ptr<float>();
    l.out = lin->weight.size(0);
    l.in = lin->weight.size(1);
    layers.push_back(l);
  }
  return FusedMlp(layers, net.options().activation());
}

void check_mlp_against_autograd(const MlpOptions& opts, int64_t rows) {
  torch::manual_seed(3);
  Mlp net(opts);
  std::vector<torch::Tensor> grads;
  FusedMlp fused = view_of(*net, grads);

  const torch::Tensor x = torch::randn({rows, opts.in()}).requires_grad_(true);
  const torch::Tensor dy = torch::randn({rows, opts.out()});
  const torch::Tensor y = net->forward(x);
  (y * dy).sum().backward();

  const torch::Tensor xc = x.detach().contiguous();
  const float* out = fused.forward(xc.data_ptr<float>(), rows);
  const torch::Tensor y_fused = torch::from_blob(const_cast<float*>(out), {rows, opts.out()}).clone();
  EXPECT_LT(max_abs_diff(y_fused, y.detach()), 1e-5f);

  const float* dx = fused.backward(dy.contiguous().data_ptr<float>(), /*input_grad=*/true);
  const torch::Tensor dx_fused = torch::from_blob(const_cast<float*>(dx), {rows, opts.in()}).clone();
  EXPECT_LT(max_abs_diff(dx_fused, x.grad()), 1e-4f);
  const std::vector<torch::Tensor> params = net->parameters();
  ASSERT_EQ(params.size(), grads.size());
  for (size_t i = 0; i < params.size(); ++i) {
    const float scale = std::max(1.0f, params[i].grad().abs().max().item<float>());
    EXPECT_LT(max_abs_diff(grads[i], params[i].grad()) / scale, 1e-5f) << "parameter " << i;
  }
  // A second backward accumulates (as autograd does without zero_grad).
  fused.forward(xc.data_ptr<float>(), rows);
  fused.backward(dy.contiguous().data_ptr<float>(), false);
  EXPECT_LT(max_abs_diff(grads.back(), 2 * params.back().grad()), 1e-4f);
}

/// Runs `check` with every kernel set this CPU runs (cpu/small_gemm.h).
template <class F>
void for_each_kernel_set(F&& check) {
  const KernelIsa saved = kernel_isa();
  for (KernelIsa isa : {KernelIsa::Baseline, KernelIsa::Avx2, KernelIsa::Avx512}) {
    if (!kernel_isa_supported(isa)) continue;
    SCOPED_TRACE(kernel_isa_name(isa));
    set_kernel_isa(isa);
    check();
  }
  set_kernel_isa(saved);
}

}  // namespace

TEST(FusedMlp, ReLUEncoderMatchesAutograd) {  // wide input: every layer through the small-matrix kernels
  for_each_kernel_set([] { check_mlp_against_autograd(MlpOptions(7, 32, 2), 300); });
}

TEST(FusedMlp, ThinInputDecoderMatchesAutograd) {  // 2-D input: the hand-written thin layers
  for_each_kernel_set([] { check_mlp_against_autograd(MlpOptions(2, 32, 5), 129); });
}

TEST(FusedMlp, TanhForceNetMatchesAutograd) {
  for_each_kernel_set([] { check_mlp_against_autograd(MlpOptions(3, 16, 3).inner_layers(1).activation(Activation::Tanh), 64); });
  // A width that is no multiple of any vector width
  for_each_kernel_set([] { check_mlp_against_autograd(MlpOptions(11, 37, 6).activation(Activation::Tanh), 203); });
}

TEST(FusedMlp, SiluNetsMatchAutograd) {
  for_each_kernel_set([] { check_mlp_against_autograd(MlpOptions(7, 32, 2).activation(Activation::SiLU), 300); });
  for_each_kernel_set([] { check_mlp_against_autograd(MlpOptions(2, 19, 5).inner_layers(0).activation(Activation::SiLU), 77); });
}

TEST(FusedMlp, EluNetsMatchAutograd) {
  for_each_kernel_set([] { check_mlp_against_autograd(MlpOptions(7, 32, 2).activation(Activation::ELU), 300); });
  for_each_kernel_set([] { check_mlp_against_autograd(MlpOptions(2, 19, 5).inner_layers(0).activation(Activation::ELU), 77); });
}

TEST(FusedSlicedWasserstein, ValueAndGradientMatchAutograd) {
  for (int64_t d : {2, 3}) {
    torch::manual_seed(5 + d);
    const int64_t n = 256, L = 50;
    const torch::Tensor a = (torch::randn({n, d}) * 1.3).requires_grad_(true);
    const torch::Tensor b = torch::randn({n, d}) + 0.2;
    auto gen = at::make_generator<at::CPUGeneratorImpl>(1);
    const torch::Tensor dirs = random_directions(L, d, gen, torch::kFloat32).contiguous();
    const torch::Tensor v = sliced_wasserstein(a, b, dirs);
    v.backward();

    SlicedWassersteinScratch scratch;
    std::vector<float> grad(static_cast<size_t>(n * d));
    const torch::Tensor ac = a.detach().contiguous();
    const double fused = sliced_wasserstein_fused(ac.data_ptr<float>(), b.data_ptr<float>(), dirs.data_ptr<float>(),
                                                  n, d, L, grad.data(), scratch);
    EXPECT_NEAR(fused, v.item<double>(), 1e-5 * v.item<double>()) << "d = " << d;
    const torch::Tensor g = torch::from_blob(grad.data(), {n, d});
    EXPECT_LT(max_abs_diff(g, a.grad()), 1e-6f * std::max(1.0f, a.grad().abs().max().item<float>())) << "d = " << d;
    // Without a gradient buffer: the same value.
    EXPECT_EQ(sliced_wasserstein_fused(ac.data_ptr<float>(), b.data_ptr<float>(), dirs.data_ptr<float>(), n, d, L,
                                       nullptr, scratch),
              fused);
  }
}

TEST(FusedSlicedWasserstein, KnownValuesTiesAndConstantColumns) {
  // 1-D: sorted a = {0, 1, 2, 3}, sorted b = {1, 1, 1, 5} along w = 1:
  // mean of (1, 0, 1, 4) = 1.5; the gradient at a_i is 2 (a_i - b_(rank i)) / 4.
  const std::vector<float> a = {3, 0, 2, 1}, b = {1, 5, 1, 1}, w = {1};
  SlicedWassersteinScratch s;
  std::vector<float> g(4);
  EXPECT_DOUBLE_EQ(sliced_wasserstein_fused(a.data(), b.data(), w.data(), 4, 1, 1, g.data(), s), 1.5);
  EXPECT_FLOAT_EQ(g[0], 2.0f * (3 - 5) / 4);
  EXPECT_FLOAT_EQ(g[1], 2.0f * (0 - 1) / 4);
  EXPECT_FLOAT_EQ(g[2], 2.0f * (2 - 1) / 4);
  EXPECT_FLOAT_EQ(g[3], 2.0f * (1 - 1) / 4);
  // A constant column (all ties) and a reversed direction.
  const std::vector<float> c = {2, 2, 2, 2}, wneg = {-1};
  EXPECT_DOUBLE_EQ(sliced_wasserstein_fused(c.data(), b.data(), w.data(), 4, 1, 1, g.data(), s), (1 + 1 + 1 + 9) / 4.0);
  EXPECT_DOUBLE_EQ(sliced_wasserstein_fused(a.data(), b.data(), wneg.data(), 4, 1, 1, g.data(), s), 1.5);
  // A NaN is not hidden: the value is NaN (training then stops clearly).
  const std::vector<float> bad = {3, NAN, 2, 1};
  EXPECT_TRUE(std::isnan(sliced_wasserstein_fused(bad.data(), b.data(), w.data(), 4, 1, 1, g.data(), s)));
}

TEST(FlatAdam, MatchesTorchAdamStepForStep) {
  torch::manual_seed(11);
  const torch::Tensor p_torch = torch::randn({5, 3}).requires_grad_(true);
  const torch::Tensor q_torch = torch::randn({4}).requires_grad_(true);
  torch::Tensor p = p_torch.detach().clone(), q = q_torch.detach().clone();
  auto ref = std::make_unique<torch::optim::Adam>(std::vector<torch::Tensor>{p_torch, q_torch}, torch::optim::AdamOptions(3e-3));
  FlatAdam flat({{p.data_ptr<float>(), p.numel()}, {q.data_ptr<float>(), q.numel()}}, 3e-3);
  for (int step = 0; step < 25; ++step) {
    if (step == 10) {  // a new torch optimizer at a new learning rate == reset + set_learning_rate
      ref = std::make_unique<torch::optim::Adam>(std::vector<torch::Tensor>{p_torch, q_torch}, torch::optim::AdamOptions(1e-2));
      flat.reset();
      flat.set_learning_rate(1e-2);
    }
    const torch::Tensor gp = torch::randn({5, 3}) * (step + 1), gq = torch::randn({4}) * 1e-3;
    ref->zero_grad();
    p_torch.mutable_grad() = gp.clone();
    q_torch.mutable_grad() = gq.clone();
    ref->step();
    flat.zero_grad();
    std::copy(gp.data_ptr<float>(), gp.data_ptr<float>() + gp.numel(), flat.grad(0));
    std::copy(gq.data_ptr<float>(), gq.data_ptr<float>() + gq.numel(), flat.grad(1));
    flat.step();
  }
  EXPECT_LT(max_abs_diff(p, p_torch.detach()), 1e-6f);
  EXPECT_LT(max_abs_diff(q, q_torch.detach()), 1e-6f);
  EXPECT_GT(max_abs_diff(p, torch::zeros_like(p)), 0.1f);  // it moved
}

TEST(FusedTraining, AppliesOnlyToTheVectorDynAEWithFixedDiffusion) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(0);
  TrajectorySet data;
  data.add("t", Array({10, 2}, std::vector<double>(20, 0.5)));
  const FrameRows rows(data, false);
  auto fused_applies = [&](const ModelOptions& o) {
    Model::Impl impl(o, std::vector<int64_t>{2}, std::vector<int64_t>{2}, gen);
    return make_fused_step(StepContext{impl, rows, rows, gen}) != nullptr;
  };
  EXPECT_TRUE(fused_applies(ModelOptions()));
  EXPECT_FALSE(fused_applies(ModelOptions().set_fused_kernels(false)));
  EXPECT_FALSE(fused_applies(ModelOptions().set_learn_diffusion(true)));
  EXPECT_FALSE(fused_applies(ModelOptions().set_model("vae")));
  EXPECT_FALSE(fused_applies(ModelOptions().set_model("sdevae")));
}

namespace {

// The first n frames of the bundled three-state data, and a set of one
// trajectory
Array three_state_frames(int64_t n) {
  return read_npy(std::string(DYNAE_EXAMPLES_DIR) + "/data/three_state_transformed_traj_data200k.npy").slice_frames(0, n);
}
TrajectorySet one_trajectory(const Array& x) {
  TrajectorySet data;
  data.add("subset", x);
  return data;
}

}  // namespace

// The whole trainer (warm-up, Adam reset, resampling, evaluation, prior
// refit) on both paths from one seed: the same losses and the same model, to
// float rounding. Rounding differences grow through the chaotic optimisation
// (a latent 1e-7 apart can fall on the other side of a cluster boundary at
// the next resampling and change a batch): measured for seed 4, latents agree
// to 6e-8 after the warm-up epoch, 1.5e-4 after one resampled epoch and 4e-3
// after two, so this runs the warm-up and one resampled epoch.
TEST(FusedTraining, SameLossesAndModelAsTheLibTorchPath) {
  set_num_threads(1);
  const Array x = three_state_frames(12000);
  const TrajectorySet data = one_trajectory(x);
  // One Euler step per lag (the reference), and 4 substeps with the force
  // fitted by the energy score (prior_substeps)
  for (int64_t substeps : {1, 4}) {
  SCOPED_TRACE(std::to_string(substeps) + " substeps");
  // (each path warm-starts on its own kernels: WarmStart.FusedAndLibTorchFitAlike)
  const ModelOptions o = ModelOptions().set_epochs(2).set_seed(4).set_prior_refit_steps(50).set_prior_substeps(substeps)
                             .set_warm_start("none");
  Estimator fused(ModelOptions(o).set_fused_kernels(true)), plain(ModelOptions(o).set_fused_kernels(false));
  const Model mf = fused.fit(data), mp = plain.fit(data);
  ASSERT_EQ(fused.history().size(), plain.history().size());
  for (size_t e = 0; e < fused.history().size(); ++e) {
    const auto &f = fused.history()[e], &p = plain.history()[e];
    EXPECT_EQ(f.steps, p.steps) << "epoch " << e;
    EXPECT_EQ(f.clusters, p.clusters) << "epoch " << e;
    for (auto [a, b] : {std::pair{f.train.total, p.train.total}, {f.train.reconstruction, p.train.reconstruction},
                        {f.train.regularization, p.train.regularization}, {f.train.prior, p.train.prior},
                        {f.test.total, p.test.total}, {f.test.prior, p.test.prior}}) {
      EXPECT_NEAR(a, b, 1e-3 * std::abs(b) + 1e-6) << "epoch " << e;
    }
  }
  const Array probe = x.slice_frames(0, 2000);
  const Array zf = mf.encode(probe), zp = mp.encode(probe);
  EXPECT_LT(test::max_abs_difference(zf, zp), 1e-3) << "latents differ";
  const Array ff = mf.force(zp), fp = mp.force(zp);
  EXPECT_LT(test::max_abs_difference(ff, fp), 1e-3) << "refitted forces differ";
  EXPECT_EQ(mf.options().prior_substeps, substeps);
  }
}

// The warm start (option warm_start = tica) runs on the fused kernels where
// they apply and through LibTorch autograd otherwise: the same draws and
// objective, so the same fit to float rounding. Checked after the warm start
// and the warm-up epoch (one epoch, no refit), where rounding has not yet
// been amplified by resampling.
TEST(WarmStart, FusedAndLibTorchFitAlike) {
  set_num_threads(1);
  const Array x = three_state_frames(12000);
  const TrajectorySet data = one_trajectory(x);
  const ModelOptions o = ModelOptions().set_epochs(1).set_seed(4).set_prior_refit_steps(0).set_warm_start("tica");
  Estimator fused(ModelOptions(o).set_fused_kernels(true)), plain(ModelOptions(o).set_fused_kernels(false));
  const Array probe = x.slice_frames(0, 2000);
  const Array zf = fused.fit(data).encode(probe), zp = plain.fit(data).encode(probe);
  const double diff = test::max_abs_difference(zf, zp);
  EXPECT_LT(diff, 1e-4);
  // ... and a latent that moved away from a random start: it differs from no warm start
  const Array zn = Estimator(ModelOptions(o).set_warm_start("none")).fit(data).encode(probe);
  EXPECT_GT(test::max_abs_difference(zf, zn), 100 * diff + 0.1);
}
