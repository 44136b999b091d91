#include <algorithm>
#include <cctype>
#include <cmath>
#include <exception>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "dynae/errors.h"
#include "dynae/runtime.h"
#include "dynae/simulate/integrator.h"

namespace dynae {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

/// Lower Cholesky factor of a symmetric positive-definite matrix; empty on failure.
std::vector<double> cholesky(const std::vector<double>& a, int64_t n) {
  std::vector<double> l(static_cast<size_t>(n * n), 0.0);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j <= i; ++j) {
      double s = a[i * n + j];
      for (int64_t k = 0; k < j; ++k) s -= l[i * n + k] * l[j * n + k];
      if (i == j) {
        if (!(s > 0)) return {};
        l[i * n + i] = std::sqrt(s);
      } else {
        l[i * n + j] = s / l[j * n + j];
      }
    }
  }
  return l;
}

/// One trajectory; `out` has frames * dim values.
void run_trajectory(const Potential& potential, const LangevinOptions& o, const std::vector<double>& diff,
                    const std::vector<double>& chol, uint64_t index, double* out) {
  const int64_t d = potential.dim();
  std::seed_seq seq{static_cast<uint32_t>(o.seed), static_cast<uint32_t>(o.seed >> 32), static_cast<uint32_t>(index),
                    static_cast<uint32_t>(index >> 32), 0x51u};
  std::mt19937_64 rng(seq);
  std::normal_distribution<double> normal(0.0, 1.0);
  const double amp = std::sqrt(2.0 * o.kT * o.dt);
  const bool lm = o.scheme == LangevinScheme::LeimkuhlerMatthews;
  const bool identity = diff.empty();

  std::vector<double> x(o.start), g(d), xi(d), xi_prev(d), noise(d), tmp(d), rot(d, 0.0);
  auto draw = [&](std::vector<double>& v) {
    for (auto& e : v) e = normal(rng);
  };
  if (lm) draw(xi_prev);
  const int64_t frames = o.steps / o.stride;
  const int64_t total = o.burn_in + frames * o.stride;
  int64_t frame = 0;
  for (int64_t step = 0; step < total; ++step) {
    const int64_t rel = step - o.burn_in;
    if (rel >= 0 && rel % o.stride == 0) {
      std::copy(x.begin(), x.end(), out + frame * d);
      ++frame;
    }
    potential.gradient(x.data(), g.data());
    if (o.rotation != 0) {  // omega J (x - c), outside D
      rot[0] = -o.rotation * (x[1] - o.rotation_centre[1]);
      rot[1] = o.rotation * (x[0] - o.rotation_centre[0]);
    }
    draw(xi);
    for (int64_t i = 0; i < d; ++i) noise[i] = lm ? 0.5 * (xi[i] + xi_prev[i]) : xi[i];
    if (lm) std::swap(xi, xi_prev);
    if (identity) {
      for (int64_t i = 0; i < d; ++i) x[i] += (rot[i] - g[i]) * o.dt + amp * noise[i];
    } else {
      for (int64_t i = 0; i < d; ++i) {
        double drift = 0, kick = 0;
        for (int64_t j = 0; j < d; ++j) {
          drift += diff[i * d + j] * g[j];
          kick += chol[i * d + j] * noise[j];
        }
        tmp[i] = x[i] + (rot[i] - drift) * o.dt + amp * kick;
      }
      x.swap(tmp);
    }
    // A coordinate past 1e6 has run away (an unbounded potential, or dt
    // too large), long before it stops being finite.
    bool bounded = true;
    for (int64_t i = 0; i < d; ++i) bounded = bounded && std::fabs(x[i]) <= 1e6;
    if (!bounded) {
      std::ostringstream os;
      os << "simulation diverged: trajectory " << index << " ran away (|x| > 1e6) at step " << step + 1
         << " (dt = " << o.dt << " is too large for this potential at kT = " << o.kT
         << ", or the potential is not bounded below; reduce dt or check the potential)";
      throw Error(os.str());
    }
  }
}

}  // namespace

LangevinScheme parse_scheme(const std::string& name) {
  const std::string n = lower(name);
  if (n == "em" || n == "euler" || n == "euler-maruyama" || n == "euler_maruyama") return LangevinScheme::EulerMaruyama;
  if (n == "lm" || n == "leimkuhler-matthews" || n == "leimkuhler_matthews") return LangevinScheme::LeimkuhlerMatthews;
  throw ConfigError("integrator scheme '" + name +
                    "' is unknown; expected em (Euler-Maruyama) or lm (Leimkuhler-Matthews)");
}

std::string scheme_name(LangevinScheme s) {
  return s == LangevinScheme::EulerMaruyama ? "euler-maruyama" : "leimkuhler-matthews";
}

void LangevinOptions::validate(int64_t dim) const {
  auto bad = [](const std::string& what, double v, const std::string& expected) {
    std::ostringstream os;
    os << what << " = " << v << " is invalid: expected " << expected;
    throw ConfigError(os.str());
  };
  if (!(dt > 0) || !std::isfinite(dt)) bad("dt", dt, "a positive time step");
  if (!(kT >= 0) || !std::isfinite(kT)) bad("kT", kT, "a number >= 0");
  if (stride < 1) bad("stride", static_cast<double>(stride), "an integer >= 1");
  if (steps < stride) bad("steps", static_cast<double>(steps), "an integer >= stride (" + std::to_string(stride) + ")");
  if (burn_in < 0) bad("burn_in", static_cast<double>(burn_in), "an integer >= 0");
  if (trajectories < 1) bad("trajectories", static_cast<double>(trajectories), "an integer >= 1");
  if (threads < 1 || threads > 1024) bad("threads", threads, "an integer from 1 to 1024");
  if (!std::isfinite(rotation)) bad("rotation", rotation, "a finite angular velocity");
  if (rotation != 0 && dim != 2) {
    throw ConfigError("rotation = " + std::to_string(rotation) + " drives 2-D systems only; this one is " +
                      std::to_string(dim) + "-D");
  }
  if (rotation != 0 &&
      (rotation_centre.size() != 2 || !std::isfinite(rotation_centre[0]) || !std::isfinite(rotation_centre[1]))) {
    throw ConfigError("rotation centre: expected 2 finite coordinates, got " + std::to_string(rotation_centre.size()) +
                      " values");
  }
  // What the frames will hold, before anything is allocated.
  const double bytes = static_cast<double>(trajectories) * static_cast<double>(steps / stride) *
                       static_cast<double>(dim) * 8.0;
  const double memory = physical_memory_bytes();
  if (memory > 0 && bytes > memory) {
    std::ostringstream os;
    os << trajectories << " trajector" << (trajectories == 1 ? "y" : "ies") << " of " << steps / stride
       << " frames of dimension " << dim << " need " << bytes / 1e9 << " GB, more than this machine's "
       << memory / 1e9 << " GB of memory; simulate fewer steps, a larger stride or fewer trajectories";
    throw ConfigError(os.str());
  }
  if (static_cast<int64_t>(start.size()) != dim) {
    throw ConfigError("start has " + std::to_string(start.size()) +
                      " values; the potential has dim = " + std::to_string(dim));
  }
  for (double v : start) {
    if (!std::isfinite(v)) bad("start", v, "finite coordinates");
  }
  if (!diffusion.empty()) {
    if (static_cast<int64_t>(diffusion.size()) != dim * dim) {
      throw ConfigError("diffusion has " + std::to_string(diffusion.size()) +
                        " values; expected dim*dim = " + std::to_string(dim * dim) + " (a row-major matrix)");
    }
    for (int64_t i = 0; i < dim; ++i) {
      for (int64_t j = 0; j < i; ++j) {
        if (std::abs(diffusion[i * dim + j] - diffusion[j * dim + i]) >
            1e-12 * (1 + std::abs(diffusion[i * dim + j]))) {
          throw ConfigError("diffusion matrix is not symmetric (entries (" + std::to_string(i) + "," +
                            std::to_string(j) + ") and (" + std::to_string(j) + "," + std::to_string(i) + ") differ)");
        }
      }
    }
    if (cholesky(diffusion, dim).empty()) throw ConfigError("diffusion matrix is not positive definite");
  }
}

std::vector<Array> simulate_langevin(const Potential& potential, const LangevinOptions& o) {
  const int64_t d = potential.dim();
  o.validate(d);
  std::vector<double> chol;
  if (!o.diffusion.empty()) chol = cholesky(o.diffusion, d);
  const int64_t frames = o.steps / o.stride;
  std::vector<Array> out;
  for (int64_t t = 0; t < o.trajectories; ++t) out.push_back(Array::zeros({frames, d}));

  const int workers = static_cast<int>(std::min<int64_t>(o.threads, o.trajectories));
  if (workers <= 1) {
    for (int64_t t = 0; t < o.trajectories; ++t) {
      run_trajectory(potential, o, o.diffusion, chol, static_cast<uint64_t>(t), out[t].data.data());
    }
    return out;
  }
  std::mutex mu;
  std::exception_ptr error;
  int64_t next = 0;
  std::vector<std::thread> pool;
  for (int w = 0; w < workers; ++w) {
    pool.emplace_back([&] {
      const std::unique_ptr<Potential> local = potential.clone();
      for (;;) {
        int64_t t;
        {
          std::lock_guard<std::mutex> lock(mu);
          if (error || next >= o.trajectories) return;
          t = next++;
        }
        try {
          run_trajectory(*local, o, o.diffusion, chol, static_cast<uint64_t>(t), out[t].data.data());
        } catch (...) {
          std::lock_guard<std::mutex> lock(mu);
          if (!error) error = std::current_exception();
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
  return out;
}

}  // namespace dynae
