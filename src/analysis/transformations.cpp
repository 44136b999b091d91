#include "dynae/analysis/transformations.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "dynae/errors.h"
#include "dynae/models/model.h"

namespace dynae {
namespace {

constexpr int64_t kChunk = 4096;  // transitions per pass through the networks

const Array& target_of(const std::vector<Array>& inputs, const std::vector<Array>& targets, size_t i) {
  return targets.empty() ? inputs[i] : targets[i];
}

void check_lists(const std::vector<Array>& inputs, const std::vector<Array>& targets, int64_t lag, const char* what) {
  if (lag < 1) throw ConfigError(std::string(what) + ": lag must be >= 1, got " + std::to_string(lag));
  if (!targets.empty() && targets.size() != inputs.size()) {
    throw DataError(std::string(what) + ": " + std::to_string(targets.size()) + " target trajectories for " +
                    std::to_string(inputs.size()) + " input trajectories");
  }
  for (size_t i = 0; i < targets.size(); ++i) {
    if (targets[i].frames() != inputs[i].frames()) {
      throw DataError(std::string(what) + ": trajectory " + std::to_string(i) + " has " +
                      std::to_string(inputs[i].frames()) + " input frames and " + std::to_string(targets[i].frames()) +
                      " target frames");
    }
  }
}

}  // namespace

double NextFrameError::log_likelihood() const {
  const double pi = 3.14159265358979323846;
  return -0.5 * std::log(2.0 * pi * std::exp(1.0) * mse);
}

double NextFrameError::elbo() const {
  return values_per_frame > 0 ? log_likelihood() - kl / static_cast<double>(values_per_frame) : NAN;
}

NextFrameError next_frame_error(const Model& model, const std::vector<Array>& inputs, const std::vector<Array>& targets,
                                int64_t lag) {
  check_lists(inputs, targets, lag, "next-frame error");
  const bool flows = model.flow_field_count() > 0;
  double err = 0, still = 0, values = 0, kl = 0;
  NextFrameError out;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Array& x = inputs[i];
    const Array& y = target_of(inputs, targets, i);
    for (int64_t b = 0; b + lag < x.frames(); b += kChunk) {
      const int64_t e = std::min(x.frames() - lag, b + kChunk);
      const Array x1 = x.slice_frames(b + lag, e + lag);
      Array prediction, information;
      if (flows) {
        const Array x0 = x.slice_frames(b, e);
        prediction = model.decode(model.transport(model.encode(x0), model.transition_speeds(x0, x1)));
        information = model.speed_kl(x0, x1);
      } else {
        prediction = model.reconstruct(x1);
        if (model.is_variational()) information = model.posterior_kl(x1);
      }
      for (int64_t t = 0; t < information.size(); ++t) kl += information.data[t];
      if (!flows && !model.is_variational()) kl = NAN;
      const int64_t m = e - b, f = y.frame_size();
      if (prediction.size() != m * f) throw DataError("next-frame error: the model's frames do not match the targets'");
      for (int64_t t = 0; t < m; ++t) {
        for (int64_t k = 0; k < f; ++k) {
          const double target = y.data[(b + lag + t) * f + k];
          const double p = prediction.data[t * f + k] - target, s = y.data[(b + t) * f + k] - target;
          err += p * p;
          still += s * s;
        }
      }
      values += static_cast<double>(m * f);
      out.transitions += m;
    }
  }
  if (out.transitions == 0) throw DataError("next-frame error: no trajectory is longer than the lag");
  out.mse = err / values;
  out.kl = kl / static_cast<double>(out.transitions);
  out.values_per_frame = target_of(inputs, targets, 0).frame_size();
  out.relative = still > 0 ? err / still : NAN;
  return out;
}

TransformationAnalysis analyse_transformations(const Model& model, const std::vector<Array>& inputs,
                                               const std::vector<Array>& targets, int64_t lag) {
  const int64_t k_fields = model.flow_field_count();
  if (k_fields == 0) {
    throw Error("transformation analysis: model '" + model.model_name() +
                "' has no learned flow fields (only sta, Sparse Transformation Analysis, does)");
  }
  check_lists(inputs, targets, lag, "transformation analysis");
  TransformationAnalysis out;
  out.lag = lag;
  // Each field's scale over every frame's latent.
  std::vector<double> sq(static_cast<size_t>(k_fields), 0.0);
  double frames = 0;
  for (const Array& x : inputs) {
    for (int64_t b = 0; b < x.frames(); b += kChunk) {
      const Array v = model.flow_fields(model.encode(x.slice_frames(b, std::min(x.frames(), b + kChunk))));
      const int64_t n = v.shape[0], d = v.shape[2];
      for (int64_t t = 0; t < n; ++t) {
        for (int64_t k = 0; k < k_fields; ++k) {
          for (int64_t j = 0; j < d; ++j) sq[k] += std::pow(v.data[(t * k_fields + k) * d + j], 2);
        }
      }
      frames += static_cast<double>(n);
    }
  }
  for (double s : sq) out.field_scale.push_back(frames > 0 ? std::sqrt(s / frames) : 0.0);
  std::vector<double> total(static_cast<size_t>(k_fields), 0.0);
  double active = 0, transitions = 0, missed = 0, moved = 0;
  const int64_t k_potential = model.options().sta_potential_fields, d = model.options().latent_dim;
  // Per transition: z_t's first two coordinates and the two parts of its velocity (d each).
  std::vector<double> where, curl_free, div_free;
  for (const Array& x : inputs) {
    const int64_t n = std::max<int64_t>(0, x.frames() - lag);
    Array speeds = Array::zeros({n, k_fields});
    for (int64_t b = 0; b < n; b += kChunk) {
      const int64_t e = std::min(n, b + kChunk);
      const Array x0 = x.slice_frames(b, e), x1 = x.slice_frames(b + lag, e + lag);
      const Array s = model.transition_speeds(x0, x1);
      const Array z0 = model.encode(x0), z1 = model.encode(x1), carried = model.transport(z0, s);
      for (int64_t i = 0; i < z0.size(); ++i) {
        missed += std::pow(carried.data[i] - z1.data[i], 2);
        moved += std::pow(z0.data[i] - z1.data[i], 2);
      }
      if (k_potential < k_fields) {
        const Array v = model.flow_fields(z0);  // (m, K, d)
        for (int64_t t = 0; t < e - b; ++t) {
          where.push_back(z0.at(t, 0));
          where.push_back(d > 1 ? z0.at(t, 1) : 0.0);
          for (int64_t j = 0; j < d; ++j) {
            double c = 0, r = 0;
            for (int64_t k = 0; k < k_fields; ++k) {
              (k < k_potential ? c : r) += s.data[t * k_fields + k] * v.data[(t * k_fields + k) * d + j];
            }
            curl_free.push_back(c);
            div_free.push_back(r);
          }
        }
      }
      for (int64_t t = 0; t < e - b; ++t) {
        double sum = 0;
        for (int64_t k = 0; k < k_fields; ++k) {
          const double v = s.data[t * k_fields + k] * out.field_scale[k];
          speeds.data[(b + t) * k_fields + k] = v;
          sum += std::fabs(v);
          total[k] += std::fabs(v);
        }
        for (int64_t k = 0; k < k_fields; ++k) {
          if (sum > 0 && std::fabs(speeds.data[(b + t) * k_fields + k]) >= 0.1 * sum) active += 1;
        }
        transitions += 1;
      }
    }
    out.speeds.push_back(std::move(speeds));
  }
  double all = 0;
  for (double t : total) all += t;
  for (double t : total) out.field_share.push_back(all > 0 ? t / all : 0.0);
  out.active_fields = transitions > 0 ? active / transitions : 0.0;
  out.latent_equivariance = moved > 0 ? missed / moved : NAN;
  if (!where.empty()) {
    constexpr int64_t kCells = 20, kMinCount = 20;
    const int64_t n = static_cast<int64_t>(where.size() / 2);
    double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
    for (int64_t t = 0; t < n; ++t) {
      for (int a = 0; a < 2; ++a) {
        lo[a] = std::min(lo[a], where[2 * t + a]);
        hi[a] = std::max(hi[a], where[2 * t + a]);
      }
    }
    std::vector<double> sum_c(kCells * kCells * d, 0.0), sum_r(kCells * kCells * d, 0.0);
    std::vector<int64_t> count(kCells * kCells, 0);
    for (int64_t t = 0; t < n; ++t) {
      int64_t cell = 0;
      for (int a = 0; a < 2; ++a) {
        const double span = hi[a] - lo[a];
        const int64_t i = span > 0 ? std::min<int64_t>(kCells - 1, static_cast<int64_t>((where[2 * t + a] - lo[a]) / span * kCells)) : 0;
        cell = cell * kCells + i;
      }
      ++count[cell];
      for (int64_t j = 0; j < d; ++j) {
        sum_c[cell * d + j] += curl_free[t * d + j];
        sum_r[cell * d + j] += div_free[t * d + j];
      }
    }
    double rotational = 0, total = 0;
    for (int64_t cell = 0; cell < kCells * kCells; ++cell) {
      if (count[cell] < kMinCount) continue;
      const double c = static_cast<double>(count[cell]);
      for (int64_t j = 0; j < d; ++j) {
        const double r = sum_r[cell * d + j] / c, all = (sum_c[cell * d + j] + sum_r[cell * d + j]) / c;
        rotational += c * r * r;
        total += c * all * all;
      }
    }
    out.rotational_share = total > 0 ? rotational / total : NAN;
  }
  out.next_frame = next_frame_error(model, inputs, targets, lag);
  return out;
}

std::vector<PrimitiveCarry> primitive_carry(const std::vector<Array>& speeds, const std::vector<int64_t>& labels) {
  int64_t n = 0, k_fields = -1;
  for (const Array& s : speeds) {
    if (s.rank() != 2) throw DataError("primitive carry: expected speeds of shape (T, K), got " + s.shape_string());
    if (k_fields >= 0 && s.shape[1] != k_fields) throw DataError("primitive carry: the speeds' field counts differ");
    k_fields = s.shape[1];
    n += s.frames();
  }
  if (static_cast<int64_t>(labels.size()) != n) {
    throw DataError("primitive carry: " + std::to_string(labels.size()) + " labels for " + std::to_string(n) +
                    " transitions");
  }
  std::map<int64_t, std::vector<double>> sums;  // label -> per field sum |speed|
  std::map<int64_t, int64_t> counts;
  int64_t t = 0;
  for (const Array& s : speeds) {
    for (int64_t i = 0; i < s.frames(); ++i, ++t) {
      const int64_t label = labels[static_cast<size_t>(t)];
      if (label < 0) continue;
      auto& sum = sums[label];
      sum.resize(static_cast<size_t>(k_fields), 0.0);
      for (int64_t k = 0; k < k_fields; ++k) sum[k] += std::fabs(s.data[i * k_fields + k]);
      ++counts[label];
    }
  }
  std::vector<PrimitiveCarry> out;
  for (const auto& [label, sum] : sums) {
    PrimitiveCarry c;
    c.label = label;
    c.transitions = counts[label];
    double all = 0;
    for (double v : sum) all += v;
    c.field = static_cast<int64_t>(std::max_element(sum.begin(), sum.end()) - sum.begin());
    c.share = all > 0 ? sum[c.field] / all : 0.0;
    out.push_back(c);
  }
  return out;
}

}  // namespace dynae
