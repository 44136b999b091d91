// Sparse Transformation Analysis' flow fields (nn/flow_fields.h): the
// rotational fields are divergence-free and the potential fields curl-free,
// to rounding, by finite differences on points of a grid; neither vanishes
// the other way (so the checks can fail).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "nn/flow_fields.h"

using namespace dynae;

namespace {

/// d v_i / d z_j of field k at the rows of z, by central differences (double precision).
torch::Tensor jacobian_fd(FlowFields& f, const torch::Tensor& z, int64_t k, double h) {
  const int64_t d = z.size(1);
  torch::Tensor jac = torch::zeros({z.size(0), d, d}, torch::kFloat64);
  for (int64_t j = 0; j < d; ++j) {
    torch::Tensor step = torch::zeros({1, d}, torch::kFloat64);
    step[0][j] = h;
    const torch::Tensor diff = (f->forward(z + step) - f->forward(z - step)).select(1, k) / (2 * h);  // (N, d)
    jac.select(2, j).copy_(diff);
  }
  return jac;
}

torch::Tensor grid_points(int64_t d) {
  // 7 points per axis in [-1.5, 1.5] for d = 2; 200 seeded random points for d = 3
  if (d == 2) {
    const torch::Tensor a = torch::linspace(-1.5, 1.5, 7, torch::kFloat64);
    const auto g = torch::meshgrid({a, a}, "ij");
    return torch::stack({g[0].flatten(), g[1].flatten()}, 1);
  }
  torch::manual_seed(3);
  return torch::rand({200, d}, torch::kFloat64) * 3 - 1.5;
}

}  // namespace

TEST(FlowFields, RotationalFieldsAreDivergenceFreeAndPotentialFieldsCurlFree) {
  for (int64_t d : {2, 3}) {
    SCOPED_TRACE("d = " + std::to_string(d));
    torch::manual_seed(11);
    FlowFields f(FlowFieldsOptions(d, 2, 2).hidden(16));
    f->to(torch::kFloat64);
    torch::NoGradGuard no_grad;
    const torch::Tensor z = grid_points(d);
    const torch::Tensor v = f->forward(z);
    ASSERT_EQ(v.sizes(), (std::vector<int64_t>{z.size(0), 4, d}));
    for (int64_t k = 0; k < 4; ++k) {
      const torch::Tensor jac = jacobian_fd(f, z, k, 1e-4);
      const double scale = jac.abs().max().item<double>();
      const double div = jac.diagonal(0, 1, 2).sum(1).abs().max().item<double>();
      const double curl = (jac - jac.transpose(1, 2)).abs().max().item<double>();
      ASSERT_GT(scale, 1e-3) << "field " << k << " is (almost) constant: the check would say nothing";
      if (k < 2) {  // potential: symmetric Jacobian (the Hessian of -U); its divergence is not 0
        EXPECT_LT(curl, 1e-7 * scale) << "potential field " << k;
        EXPECT_GT(div, 1e-3 * scale) << "potential field " << k;
      } else {  // rotational: traceless Jacobian; its curl is not 0
        EXPECT_LT(div, 1e-7 * scale) << "rotational field " << k;
        EXPECT_GT(curl, 1e-3 * scale) << "rotational field " << k;
      }
    }
    // The potential fields are minus the gradients of the potentials
    const torch::Tensor u = f->potentials(z);
    for (int64_t j = 0; j < d; ++j) {
      torch::Tensor step = torch::zeros({1, d}, torch::kFloat64);
      step[0][j] = 1e-5;
      const torch::Tensor du = (f->potentials(z + step) - f->potentials(z - step)) / 2e-5;  // (N, 2)
      EXPECT_LT((du + v.select(2, j).slice(1, 0, 2)).abs().max().item<double>(), 1e-8);
    }
  }
}

TEST(FlowFields, FieldsAreDifferentiableInTheWeightsAndOneDimensionHasNoRotation) {
  torch::manual_seed(2);
  FlowFields f(FlowFieldsOptions(2, 1, 1).hidden(8));
  const torch::Tensor z = torch::randn({16, 2});
  f->forward(z).pow(2).sum().backward();
  // Every weight and bias moves the fields but each scalar net's output bias (a constant added to U or A_ij)
  for (const auto& p : f->named_parameters()) {
    const bool moves = p.value().grad().defined() && p.value().grad().abs().sum().item<double>() > 0;
    const bool output_bias = p.key().size() > 12 && p.key().substr(p.key().size() - 12) == "linear2.bias";
    EXPECT_EQ(moves, !output_bias) << p.key();
  }
  EXPECT_THROW(FlowFields(FlowFieldsOptions(1, 1, 1)), std::exception);
  EXPECT_EQ(FlowFields(FlowFieldsOptions(1, 2, 0))->forward(torch::randn({5, 1})).sizes(),
            (std::vector<int64_t>{5, 2, 1}));
}
