#pragma once
// Two models equal bit for bit: what a resumed training must give.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "dynae/models/model.h"
#include "models/model_impl.h"

namespace dynae::test {

/// Every parameter of the encoder, decoder and prior, the cluster centres
/// and the epochs trained are equal.
inline void expect_same_weights(const Model& a, const Model& b) {
  auto same = [](const torch::nn::Module& x, const torch::nn::Module& y, const char* what) {
    const auto px = x.named_parameters(true), py = y.named_parameters(true);
    ASSERT_EQ(px.size(), py.size());
    for (const auto& p : px) EXPECT_TRUE(torch::equal(p.value(), py[p.key()])) << what << " " << p.key();
  };
  same(*a.impl().encoder, *b.impl().encoder, "encoder");
  same(*a.impl().decoder, *b.impl().decoder, "decoder");
  same(*a.impl().prior, *b.impl().prior, "prior");
  EXPECT_EQ(a.cluster_centers().data, b.cluster_centers().data);
  EXPECT_EQ(a.epochs_trained(), b.epochs_trained());
}

/// The largest |a[i] - b[i]| of two arrays of the same size.
inline double max_abs_difference(const Array& a, const Array& b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0;
  for (int64_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    worst = std::max(worst, std::abs(a.data[static_cast<size_t>(i)] - b.data[static_cast<size_t>(i)]));
  }
  return worst;
}

}  // namespace dynae::test
