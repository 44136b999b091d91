// Uses the installed library: TICA on a small two-timescale trajectory,
// saved, reloaded, encoded; and the installed examples found from outside.
#include <cmath>
#include <cstdio>
#include <random>

#include "dynae/data/trajectory_set.h"
#include "dynae/runtime.h"
#include "dynae/training/estimator.h"

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  std::mt19937_64 rng(1);
  std::normal_distribution<double> n;
  std::vector<double> v;
  double slow = 0, fast = 0;
  for (int t = 0; t < 5000; ++t) {
    slow = 0.99 * slow + 0.1 * n(rng);
    fast = 0.5 * fast + n(rng);
    v.insert(v.end(), {slow + fast, slow - fast});
  }
  dynae::TrajectorySet data;
  data.add("toy", dynae::Array({5000, 2}, v));
  const dynae::Model model = dynae::Estimator(dynae::ModelOptions().set_model("tica").set_latent_dim(1)).fit(data);
  model.save(argv[1]);
  const dynae::Model back = dynae::Model::load(argv[1]);
  const dynae::Array z = back.encode(data.trajectories()[0].input);
  // The slow TICA component is (x + y) / 2 up to scale: its lag-1 autocorrelation is near 0.99.
  double c0 = 0, c1 = 0, m = 0;
  for (int64_t t = 0; t < z.frames(); ++t) m += z.data[t] / z.frames();
  for (int64_t t = 0; t + 1 < z.frames(); ++t) {
    c0 += (z.data[t] - m) * (z.data[t] - m);
    c1 += (z.data[t] - m) * (z.data[t + 1] - m);
  }
  std::printf("slowest TICA eigenvalue %.4f, lag-1 autocorrelation %.4f\n", back.eigenvalues().data[0], c1 / c0);
  return c1 / c0 > 0.95 ? 0 : 1;
}
