#include "nn/fused_mlp.h"

#include <Eigen/Core>
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace dynae {
namespace {

// y (rows, out) = x (rows, in) W^T, without the bias (added with the activation)
void dense_forward(const DenseLayer& l, const float* x, int64_t rows, float* y, std::vector<float>& wt) {
  if (l.in <= 4) {  // thin input (the latent): a BLAS call costs more than the arithmetic
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
    float* v = y.data();
    const float* b = l.bias;
    const int64_t out = l.out;
    if (i + 1 == layers_.size()) {
      for (int64_t r = 0; r < rows; ++r, v += out) {
        for (int64_t o = 0; o < out; ++o) v[o] += b[o];
      }
    } else if (activation_ == Activation::ReLU) {
      for (int64_t r = 0; r < rows; ++r, v += out) {
        for (int64_t o = 0; o < out; ++o) v[o] = std::max(v[o] + b[o], 0.0f);
      }
    } else {
      for (int64_t r = 0; r < rows; ++r, v += out) {
        for (int64_t o = 0; o < out; ++o) v[o] += b[o];
      }
      // Eigen's vectorised tanh: libm's scalar tanhf cost more than the GEMMs
      Eigen::Map<Eigen::ArrayXf> a(y.data(), rows * out);
      a = a.tanh();
    }
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
    const int64_t out = l.out;
    if (ii + 1 < layers_.size()) {
      std::vector<float>& buf = *bufs[turn];
      turn ^= 1;
      if (static_cast<int64_t>(buf.size()) < rows * out) buf.resize(static_cast<size_t>(rows * out));
      const float* y = outputs_[ii].data();
      float* d = buf.data();
      if (activation_ == Activation::ReLU) {
        for (int64_t j = 0; j < rows * out; ++j) d[j] = y[j] > 0.0f ? g[j] : 0.0f;
      } else {
        for (int64_t j = 0; j < rows * out; ++j) d[j] = g[j] * (1.0f - y[j] * y[j]);
      }
      ga = d;
    }
    if (l.grad_bias) {
      float* gb = l.grad_bias;
      for (int64_t r = 0; r < rows; ++r) {
        const float* gr = ga + r * out;
        for (int64_t o = 0; o < out; ++o) gb[o] += gr[o];
      }
    }
    if (l.grad_weight) {  // dW += ga^T in
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
    if (l.out <= 4) {  // thin output (the latent or a 2-D target)
      for (int64_t r = 0; r < rows; ++r) {
        float* nr = next.data() + r * l.in;
        const float* gr = ga + r * l.out;
        std::fill(nr, nr + l.in, 0.0f);
        for (int64_t o = 0; o < l.out; ++o) {
          const float go = gr[o];
          const float* w = l.weight + o * l.in;
          for (int64_t k = 0; k < l.in; ++k) nr[k] += go * w[k];
        }
      }
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
