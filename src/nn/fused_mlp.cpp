#include "nn/fused_mlp.h"

#include <Eigen/Core>
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "cpu/dispatch.h"

// The elementwise loops are compiled twice, for x86-64-v3 and the baseline
// (DYNAE_CPU_CLONES, cpu/dispatch.h): about 25 % faster backward passes on
// AVX2 machines from one portable binary.

namespace dynae {
namespace {

// Layers with at most this many inputs or outputs (the latent, a 2-D target)
// are plain loops: a BLAS call costs more than their arithmetic.
constexpr int64_t kThin = 4;

// y (rows, out) = x (rows, in) W^T, without the bias (added with the activation)
DYNAE_CPU_CLONES void dense_forward(const DenseLayer& l, const float* x, int64_t rows, float* y, std::vector<float>& wt) {
  if (l.in <= kThin) {  // thin input
    wt.resize(static_cast<size_t>(l.in * l.out));  // W^T, so that the inner loop is contiguous
    for (int64_t o = 0; o < l.out; ++o) {
      for (int64_t k = 0; k < l.in; ++k) wt[k * l.out + o] = l.weight[o * l.in + k];
    }
    for (int64_t r = 0; r < rows; ++r) {
      const float* xr = x + r * l.in;
      float* yr = y + r * l.out;
      for (int64_t o = 0; o < l.out; ++o) yr[o] = xr[0] * wt[o];
      for (int64_t k = 1; k < l.in; ++k) {
        const float xk = xr[k];
        const float* w = wt.data() + k * l.out;
        for (int64_t o = 0; o < l.out; ++o) yr[o] += xk * w[o];
      }
    }
    return;
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(rows), static_cast<int>(l.out),
              static_cast<int>(l.in), 1.0f, x, static_cast<int>(l.in), l.weight, static_cast<int>(l.in), 0.0f, y,
              static_cast<int>(l.out));
}

// gw (out, in) += ga (rows, out)^T x (rows, in) for a thin layer (in or out
// <= kThin), accumulated in `acc` as (in, out) when the input is thin so that the
// inner loop runs over the wide side.
DYNAE_CPU_CLONES void thin_weight_grad(float* gw, const float* ga, const float* x, int64_t rows, int64_t in,
                                       int64_t out, float* acc) {
  if (out <= kThin) {  // rows of gw are wide (in)
    for (int64_t r = 0; r < rows; ++r) {
      const float* xr = x + r * in;
      for (int64_t o = 0; o < out; ++o) {
        const float g = ga[r * out + o];
        float* row = gw + o * in;
        for (int64_t k = 0; k < in; ++k) row[k] += g * xr[k];
      }
    }
    return;
  }
  for (int64_t j = 0; j < in * out; ++j) acc[j] = 0.0f;
  for (int64_t r = 0; r < rows; ++r) {
    const float* gr = ga + r * out;
    for (int64_t k = 0; k < in; ++k) {
      const float xk = x[r * in + k];
      float* a = acc + k * out;
      for (int64_t o = 0; o < out; ++o) a[o] += xk * gr[o];
    }
  }
  for (int64_t o = 0; o < out; ++o) {
    for (int64_t k = 0; k < in; ++k) gw[o * in + k] += acc[k * out + o];
  }
}

// v (rows, out) += b per row, then the activation unless `last`
DYNAE_CPU_CLONES void bias_activation(float* v, const float* b, int64_t rows, int64_t out, bool last,
                                      Activation act) {
  if (!last && act == Activation::ReLU) {
    for (int64_t r = 0; r < rows; ++r, v += out) {
      for (int64_t o = 0; o < out; ++o) v[o] = std::max(v[o] + b[o], 0.0f);
    }
    return;
  }
  float* p = v;
  for (int64_t r = 0; r < rows; ++r, p += out) {
    for (int64_t o = 0; o < out; ++o) p[o] += b[o];
  }
  if (!last) {  // Eigen's vectorised tanh: libm's scalar tanhf cost more than the GEMMs
    Eigen::Map<Eigen::ArrayXf> a(v, rows * out);
    a = a.tanh();
  }
}

// d = g * act'(a), from the activation's output y = act(a)
DYNAE_CPU_CLONES void activation_grad(float* d, const float* g, const float* y, int64_t n, Activation act) {
  if (act == Activation::ReLU) {
    for (int64_t j = 0; j < n; ++j) d[j] = y[j] > 0.0f ? g[j] : 0.0f;
  } else {
    for (int64_t j = 0; j < n; ++j) d[j] = g[j] * (1.0f - y[j] * y[j]);
  }
}

// gb (out) += column sums of ga (rows, out)
DYNAE_CPU_CLONES void column_sums(float* gb, const float* ga, int64_t rows, int64_t out) {
  for (int64_t r = 0; r < rows; ++r, ga += out) {
    for (int64_t o = 0; o < out; ++o) gb[o] += ga[o];
  }
}

// dx (rows, in) = ga (rows, out) W (out, in) for a thin out
DYNAE_CPU_CLONES void thin_input_grad(float* dx, const float* ga, const float* w, int64_t rows, int64_t in,
                                      int64_t out) {
  for (int64_t r = 0; r < rows; ++r, dx += in, ga += out) {
    for (int64_t k = 0; k < in; ++k) dx[k] = 0.0f;
    for (int64_t o = 0; o < out; ++o) {
      const float go = ga[o];
      const float* wo = w + o * in;
      for (int64_t k = 0; k < in; ++k) dx[k] += go * wo[k];
    }
  }
}

}  // namespace

FusedMlp::FusedMlp(std::vector<DenseLayer> layers, Activation activation)
    : layers_(std::move(layers)), activation_(activation), outputs_(layers_.size()) {
  if (layers_.empty()) throw std::invalid_argument("FusedMlp: no layers");
  for (size_t i = 1; i < layers_.size(); ++i) {
    if (layers_[i].in != layers_[i - 1].out) throw std::invalid_argument("FusedMlp: layer sizes do not chain");
  }
}

const float* FusedMlp::forward(const float* x, int64_t rows) {
  x_ = x;
  rows_ = rows;
  const float* h = x;
  for (size_t i = 0; i < layers_.size(); ++i) {
    const DenseLayer& l = layers_[i];
    std::vector<float>& y = outputs_[i];
    if (static_cast<int64_t>(y.size()) < rows * l.out) y.resize(static_cast<size_t>(rows * l.out));
    dense_forward(l, h, rows, y.data(), wt_);
    bias_activation(y.data(), l.bias, rows, l.out, i + 1 == layers_.size(), activation_);
    h = y.data();
  }
  return h;
}

const float* FusedMlp::backward(const float* grad_out, bool input_grad) {
  const int64_t rows = rows_;
  const float* g = grad_out;  // dL/d(output of layer i), before its activation is undone
  std::vector<float>* bufs[2] = {&grad_a_, &grad_b_};
  int turn = 0;
  for (size_t ii = layers_.size(); ii-- > 0;) {
    const DenseLayer& l = layers_[ii];
    const float* in = ii == 0 ? x_ : outputs_[ii - 1].data();
    // dL/da = dL/dy * act'(a) (hidden layers), and dL/db += its column sums
    const float* ga = g;
    if (ii + 1 < layers_.size()) {
      std::vector<float>& buf = *bufs[turn];
      turn ^= 1;
      if (static_cast<int64_t>(buf.size()) < rows * l.out) buf.resize(static_cast<size_t>(rows * l.out));
      activation_grad(buf.data(), g, outputs_[ii].data(), rows * l.out, activation_);
      ga = buf.data();
    }
    if (l.grad_bias) column_sums(l.grad_bias, ga, rows, l.out);
    if (l.grad_weight && (l.in <= kThin || l.out <= kThin)) {
      wt_.resize(static_cast<size_t>(l.in * l.out));
      thin_weight_grad(l.grad_weight, ga, in, rows, l.in, l.out, wt_.data());
    } else if (l.grad_weight) {  // dW += ga^T in
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, static_cast<int>(l.out), static_cast<int>(l.in),
                  static_cast<int>(rows), 1.0f, ga, static_cast<int>(l.out), in, static_cast<int>(l.in), 1.0f,
                  l.grad_weight, static_cast<int>(l.in));
    }
    if (ii == 0 && !input_grad) return nullptr;
    // dL/d(input) = ga W
    std::vector<float>& next = *bufs[turn];
    turn ^= 1;
    const int64_t n = rows * l.in;
    if (static_cast<int64_t>(next.size()) < n) next.resize(static_cast<size_t>(n));
    if (l.out <= kThin) {  // thin output
      thin_input_grad(next.data(), ga, l.weight, rows, l.in, l.out);
    } else {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(rows), static_cast<int>(l.in),
                  static_cast<int>(l.out), 1.0f, ga, static_cast<int>(l.out), l.weight, static_cast<int>(l.in), 0.0f,
                  next.data(), static_cast<int>(l.in));
    }
    g = next.data();
  }
  return g;
}

}  // namespace dynae
