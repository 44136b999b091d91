#include "nn/fused_mlp.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "cpu/dispatch.h"
#include "cpu/small_gemm.h"
#include "cpu/vector_math.h"
#include "cpu/thread_team.h"

// The elementwise loops are compiled twice, for x86-64-v3 and the baseline
// (DYNAE_CPU_CLONES, cpu/dispatch.h): about 25 % faster backward passes on
// AVX2 machines from one portable binary.

namespace dynae {
namespace {

// Layers with at most this many inputs or outputs (the latent, a 2-D target):
// a thin output's values and a thin input's input gradient are dot products
// over the wide side (thin_dots); their other products go through the
// small-matrix kernels with a short K or M, each sum held in a register block.
constexpr int64_t kThin = 4;

// v (rows, out) += b per row, then the activation unless `last`; for SiLU
// the sigmoid of each pre-activation goes to `sig` (its gradient needs it)
DYNAE_CPU_CLONES void bias_activation(float* __restrict v, const float* __restrict b, int64_t rows, int64_t out,
                                      bool last, Activation act, float* __restrict sig) {
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
  if (last) return;
  if (act == Activation::ELU) {  // x for x > 0, e^x - 1 otherwise (alpha 1, as torch::elu)
    for (int64_t j = 0; j < rows * out; ++j) v[j] = v[j] > 0.0f ? v[j] : std::expm1(v[j]);
    return;
  }
  if (act == Activation::SiLU) {  // a sigmoid(a), as torch::silu
    for (int64_t j = 0; j < rows * out; ++j) {
      const float s = 1.0f / (1.0f + std::exp(-v[j]));
      sig[j] = s;
      v[j] *= s;
    }
    return;
  }
  tanh_in_place(v, rows * out);  // vectorised for the kernel set (libm's tanhf cost more than the GEMMs)
}

// d = g * act'(a), from the activation's output y = act(a) (and, for SiLU,
// the sigmoid s of a: SiLU' = s + y (1 - s))
DYNAE_CPU_CLONES void activation_grad(float* __restrict d, const float* __restrict g, const float* __restrict y,
                                      const float* __restrict sig, int64_t n, Activation act) {
  if (act == Activation::ReLU) {
    for (int64_t j = 0; j < n; ++j) d[j] = y[j] > 0.0f ? g[j] : 0.0f;
  } else if (act == Activation::ELU) {  // ELU' = 1 for x > 0, e^x = y + 1 otherwise
    for (int64_t j = 0; j < n; ++j) d[j] = y[j] > 0.0f ? g[j] : g[j] * (y[j] + 1.0f);
  } else if (act == Activation::SiLU) {
    for (int64_t j = 0; j < n; ++j) d[j] = g[j] * (sig[j] + y[j] * (1.0f - sig[j]));
  } else {
    for (int64_t j = 0; j < n; ++j) d[j] = g[j] * (1.0f - y[j] * y[j]);
  }
}

// gb (out) += column sums of ga (rows, out)
DYNAE_CPU_CLONES void column_sums(float* __restrict gb, const float* __restrict ga, int64_t rows, int64_t out) {
  for (int64_t r = 0; r < rows; ++r, ga += out) {
    for (int64_t o = 0; o < out; ++o) gb[o] += ga[o];
  }
}

// y (rows, n) = a (rows, K) b (n, K)^T for a thin n: each entry a dot
// product over the wide side, summed in 8 lanes (vectorised) and the lanes
// then added in order. A thin output's forward pass (b = W) and a thin
// input's input gradient (b = W^T).
DYNAE_CPU_CLONES void thin_dots(float* __restrict y, const float* __restrict a, const float* __restrict b,
                               int64_t rows, int64_t n, int64_t K) {
  for (int64_t r = 0; r < rows; ++r, y += n, a += K) {
    for (int64_t j = 0; j < n; ++j) {
      const float* w = b + j * K;
      float lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      int64_t k = 0;
      for (; k + 8 <= K; k += 8) {
        for (int m = 0; m < 8; ++m) lanes[m] += a[k + m] * w[k + m];
      }
      for (; k < K; ++k) lanes[0] += a[k] * w[k];
      float sum = 0.0f;
      for (float v : lanes) sum += v;
      y[j] = sum;
    }
  }
}

// thin_dots' values: the kernel set's vector kernel where it has one (cpu/vector_math.h)
void dots(float* y, const float* a, const float* b, int64_t rows, int64_t n, int64_t K) {
  if (!dot_rows(y, a, b, rows, n, K)) thin_dots(y, a, b, rows, n, K);
}

void dense_forward(const DenseLayer& l, const float* x, int64_t rows, float* y, const float* wt) {
  if (l.in <= kThin) {  // thin input: K = in in the kernels (each sum in a register block)
    gemm_nn(rows, l.out, l.in, x, l.in, wt, l.out, y, l.out, false);
  } else if (l.out <= kThin) {  // thin output: dot products over the inputs
    dots(y, x, l.weight, rows, l.out, l.in);
  } else {
    gemm_nn(rows, l.out, l.in, x, l.in, wt, l.out, y, l.out, false);
  }
}

}  // namespace

FusedMlp::FusedMlp(std::vector<DenseLayer> layers, Activation activation)
    : layers_(std::move(layers)), activation_(activation) {
  if (layers_.empty()) throw std::invalid_argument("FusedMlp: no layers");
  for (size_t i = 1; i < layers_.size(); ++i) {
    if (layers_[i].in != layers_[i - 1].out) throw std::invalid_argument("FusedMlp: layer sizes do not chain");
  }
  const size_t n = layers_.size();
  outputs_.resize(n);
  sigmoids_.resize(n);
  grad_pre_.resize(n);
  grad_in_.resize(n);
  partial_w_.resize(n);
  partial_b_.resize(n);
}

template <class F>
void FusedMlp::for_chunks(int64_t chunks, F&& f) {
  const int members = team_ ? team_->size() : 1;
  if (static_cast<int64_t>(members_.size()) < members) members_.resize(static_cast<size_t>(members));
  if (members == 1 || chunks == 1) {
    f(int64_t{0}, chunks, members_[0]);
    return;
  }
  team_->run([&](int t) {
    const auto [c0, c1] = team_->share(chunks, t);
    if (c0 < c1) f(c0, c1, members_[static_cast<size_t>(t)]);
  });
}

void FusedMlp::transpose_weights(Member& m) const {
  m.wt.resize(layers_.size());
  for (size_t i = 0; i < layers_.size(); ++i) {
    const DenseLayer& l = layers_[i];
    std::vector<float>& wt = m.wt[i];  // W^T, so that each output row is a sum of rows of W^T
    wt.resize(static_cast<size_t>(l.in * l.out));
    for (int64_t o = 0; o < l.out; ++o) {
      for (int64_t k = 0; k < l.in; ++k) wt[k * l.out + o] = l.weight[o * l.in + k];
    }
  }
}

void FusedMlp::forward_rows(int64_t r0, int64_t r1, const Member& m) {
  const float* h = x_ + r0 * layers_.front().in;
  for (size_t i = 0; i < layers_.size(); ++i) {
    const DenseLayer& l = layers_[i];
    float* y = outputs_[i].data() + r0 * l.out;
    dense_forward(l, h, r1 - r0, y, m.wt[i].data());
    float* sig = activation_ == Activation::SiLU ? sigmoids_[i].data() + r0 * l.out : nullptr;
    bias_activation(y, l.bias, r1 - r0, l.out, i + 1 == layers_.size(), activation_, sig);
    h = y;
  }
}

const float* FusedMlp::forward(const float* x, int64_t rows) {
  x_ = x;
  rows_ = rows;
  for (size_t i = 0; i < layers_.size(); ++i) {
    const DenseLayer& l = layers_[i];
    if (static_cast<int64_t>(outputs_[i].size()) < rows * l.out) outputs_[i].resize(static_cast<size_t>(rows * l.out));
    if (activation_ == Activation::SiLU && static_cast<int64_t>(sigmoids_[i].size()) < rows * l.out) {
      sigmoids_[i].resize(static_cast<size_t>(rows * l.out));
    }
  }
  const int64_t chunks = (rows + kRowChunk - 1) / kRowChunk;
  // Each member transposes the weights for itself (its copy stays in its
  // core's cache), then runs its chunks one at a time: every chunk is
  // computed the same way whichever member has it (Eigen's vectorised tanh
  // treats a range's unaligned ends apart)
  for_chunks(chunks, [&](int64_t c0, int64_t c1, Member& m) {
    transpose_weights(m);
    for (int64_t c = c0; c < c1; ++c) forward_rows(c * kRowChunk, std::min(rows, (c + 1) * kRowChunk), m);
  });
  return outputs_.back().data();
}

void FusedMlp::backward_chunk(int64_t c, const float* grad_out, bool input_grad, Member& m) {
  const int64_t r0 = c * kRowChunk, rows = std::min(rows_, r0 + kRowChunk) - r0;
  const float* g = grad_out + r0 * layers_.back().out;  // dL/d(output of layer ii), this chunk's rows
  for (size_t ii = layers_.size(); ii-- > 0;) {
    const DenseLayer& l = layers_[ii];
    const float* in = (ii == 0 ? x_ : outputs_[ii - 1].data()) + r0 * l.in;
    // dL/da = dL/dy * act'(a) (hidden layers)
    const float* ga = g;
    if (ii + 1 < layers_.size()) {
      float* buf = grad_pre_[ii].data() + r0 * l.out;
      const float* sig = activation_ == Activation::SiLU ? sigmoids_[ii].data() + r0 * l.out : nullptr;
      activation_grad(buf, g, outputs_[ii].data() + r0 * l.out, sig, rows * l.out, activation_);
      ga = buf;
    }
    if (l.grad_bias) {  // this chunk's column sums
      float* pb = partial_b_[ii].data() + c * l.out;
      std::fill(pb, pb + l.out, 0.0f);
      column_sums(pb, ga, rows, l.out);
    }
    if (l.grad_weight) {  // this chunk's ga^T in
      float* pw = partial_w_[ii].data() + c * l.out * l.in;
      if (l.out <= kThin) {  // a few rows of ga^T in: the kernels' register blocks (no sum through memory)
        gemm_tn(l.out, l.in, rows, ga, l.out, in, l.in, pw, l.in, false);
      } else if (l.in <= kThin) {  // (in^T ga)^T: the same sums, each in the kernels' registers
        m.scratch.resize(static_cast<size_t>(l.in * l.out));
        float* acc = m.scratch.data();
        gemm_tn(l.in, l.out, rows, in, l.in, ga, l.out, acc, l.out, false);
        for (int64_t o = 0; o < l.out; ++o) {
          for (int64_t k = 0; k < l.in; ++k) pw[o * l.in + k] = acc[k * l.out + o];
        }
      } else {
        gemm_tn(l.out, l.in, rows, ga, l.out, in, l.in, pw, l.in, false);
      }
    }
    if (ii == 0 && !input_grad) return;
    // dL/d(input) = ga W
    float* next = grad_in_[ii].data() + r0 * l.in;
    if (l.out <= kThin) {  // thin output: K = out in the kernels (each sum in a register block)
      gemm_nn(rows, l.in, l.out, ga, l.out, l.weight, l.in, next, l.in, false);
    } else if (l.in <= kThin) {  // thin input (the decoder's first layer)
      const float* wt = m.wt[ii].data();  // (this member's forward transposed W)
      dots(next, ga, wt, rows, l.in, l.out);
    } else {
      gemm_nn(rows, l.in, l.out, ga, l.out, l.weight, l.in, next, l.in, false);
    }
    g = next;
  }
}

const float* FusedMlp::backward(const float* grad_out, bool input_grad) {
  const int64_t rows = rows_, chunks = (rows + kRowChunk - 1) / kRowChunk;
  for (size_t i = 0; i < layers_.size(); ++i) {
    const DenseLayer& l = layers_[i];
    auto fit = [](std::vector<float>& v, int64_t n) {
      if (static_cast<int64_t>(v.size()) < n) v.resize(static_cast<size_t>(n));
    };
    fit(grad_pre_[i], rows * l.out);
    fit(grad_in_[i], rows * l.in);
    if (l.grad_weight) fit(partial_w_[i], chunks * l.out * l.in);
    if (l.grad_bias) fit(partial_b_[i], chunks * l.out);
  }
  for_chunks(chunks, [&](int64_t c0, int64_t c1, Member& m) {
    for (int64_t c = c0; c < c1; ++c) backward_chunk(c, grad_out, input_grad, m);
  });
  // The chunks' sums, added in chunk order; each member adds up its share
  // of every layer's elements
  auto reduce = [&](int t, int members) {
    for (size_t i = 0; i < layers_.size(); ++i) {
      const DenseLayer& l = layers_[i];
      if (l.grad_weight) {
        const int64_t n = l.out * l.in, b = n * t / members, e = n * (t + 1) / members;
        for (int64_t c = 0; c < chunks; ++c) {
          const float* pw = partial_w_[i].data() + c * n;
          for (int64_t j = b; j < e; ++j) l.grad_weight[j] += pw[j];
        }
      }
      if (l.grad_bias && t == 0) {
        for (int64_t c = 0; c < chunks; ++c) {
          const float* pb = partial_b_[i].data() + c * l.out;
          for (int64_t j = 0; j < l.out; ++j) l.grad_bias[j] += pb[j];
        }
      }
    }
  };
  if (!team_ || team_->size() == 1 || chunks == 1) {
    reduce(0, 1);
  } else {
    team_->run([&](int t) { reduce(t, team_->size()); });
  }
  return input_grad ? grad_in_.front().data() : nullptr;
}

}  // namespace dynae
