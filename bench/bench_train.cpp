// Training speed and memory at the reference defaults on the bundled
// three-state data. Prints a readable summary and one machine-readable line
// per figure: "BENCH <name> <value> <unit>".
//
//   dynae_bench                 all configurations below, each in its own process
//   dynae_bench --threads 1 --tile 1 [--epochs 6] [--fused 0]   one configuration
//
// Configurations: 1 thread and one thread per core on the data as it is, and
// 1 thread on the trajectory tiled 10 times (cost growth with data size), all
// on the fused kernels (the default); then 1 thread on the plain LibTorch
// autograd path (fused_kernels = False) for comparison, its figures tagged
// "_plain".
// Each runs in a child process so that its peak resident memory is its own.
//
// Seconds per epoch is the median over the epochs after the warm-up epoch 0
// (epoch 0 has no resampling, so it is not representative); each epoch's time
// includes resampling and the test-set evaluation, as a user sees it.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <tuple>

#include "dynae/training/estimator.h"
#include "dynae/data/npy.h"
#include "dynae/models/model.h"
#include "dynae/runtime.h"

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n == 0 ? 0.0 : (n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]));
}

double peak_rss_mb() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

void line(const std::string& name, double value, const char* unit) {
  std::printf("BENCH %s %.6g %s\n", name.c_str(), value, unit);
}

}  // namespace

int main(int argc, char** argv) {
  dynae::keep_freed_memory();
  CLI::App app{"dynae training benchmark (reference defaults, bundled three-state data)"};
  int64_t epochs = 6, threads = -1, tile = 1;
  int fused = 1;
  app.add_option("--epochs", epochs, "epochs to run (epoch 0 is the warm-up)")->capture_default_str()->check(CLI::Range(2, 1000));
  app.add_option("--threads", threads, "intra-op threads (0 = all cores)")->capture_default_str();
  app.add_option("--tile", tile, "repeat the trajectory this many times (data-size scaling)")->capture_default_str()->check(CLI::Range(1, 100));
  app.add_option("--fused", fused, "1: fused kernels (default), 0: the plain LibTorch path")->capture_default_str()->check(CLI::Range(0, 1));
  CLI11_PARSE(app, argc, argv);

  if (threads < 0) {  // every configuration, one child process each
    const std::vector<std::tuple<int64_t, int64_t, int>> configs = {{1, 1, 1}, {0, 1, 1}, {1, 10, 1}, {1, 1, 0}};
    char self[4096];
    const ssize_t len = ::readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0) return 1;
    self[len] = '\0';
    int failures = 0;
    for (const auto& [t, k, f] : configs) {
      const std::string cmd = std::string(self) + " --epochs " + std::to_string(k > 1 ? std::min<int64_t>(epochs, 4) : epochs) +
                              " --threads " + std::to_string(t) + " --tile " + std::to_string(k) +
                              " --fused " + std::to_string(f);
      std::fflush(stdout);
      const int status = std::system(cmd.c_str());
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failures;
    }
    return failures ? 1 : 0;
  }

  dynae::set_num_threads(threads);
  dynae::TrajectorySet data;
  {  // the tiled frames are built once and moved into the set (no extra copies)
    const dynae::Array base = dynae::read_npy(dynae::examples_dir() + "/data/three_state_transformed_traj_data200k.npy");
    dynae::Array tiled = base;
    tiled.data.reserve(base.data.size() * static_cast<size_t>(tile));
    for (int64_t k = 1; k < tile; ++k) {
      tiled.data.insert(tiled.data.end(), base.data.begin(), base.data.end());
      tiled.shape[0] += base.shape[0];
    }
    data.add("three_state x" + std::to_string(tile), std::move(tiled));
  }
  const dynae::Array& x = data.trajectories().front().input;

  const double rss_data = peak_rss_mb();
  dynae::Estimator estimator(dynae::ModelOptions().set_epochs(epochs).set_seed(0).set_fused_kernels(fused == 1));
  const auto t0 = std::chrono::steady_clock::now();
  const dynae::Model model = estimator.fit(data);
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double rss_training = peak_rss_mb();  // before the encode below

  std::vector<double> secs;
  int64_t pairs = 0;
  for (const auto& r : estimator.history()) {
    if (r.epoch == 0) continue;
    secs.push_back(r.seconds);
    pairs += r.steps * estimator.options().batch_size;
  }
  double sum = 0;
  for (double s : secs) sum += s;
  const auto te = std::chrono::steady_clock::now();
  const dynae::Array z = model.encode(x);
  const double encode_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - te).count();

  std::printf("dynae benchmark: %lld frames (tile %lld), %lld epochs, %lld thread(s), %s path\n",
              static_cast<long long>(x.frames()), static_cast<long long>(tile), static_cast<long long>(epochs),
              static_cast<long long>(dynae::num_threads()), fused ? "fused" : "plain LibTorch");
  const std::string tag = "_threads" + std::to_string(dynae::num_threads()) + "_tile" + std::to_string(tile) +
                          (fused ? "" : "_plain");
  line("seconds_per_epoch_median" + tag, median(secs), "s");
  line("warmup_epoch_seconds" + tag, estimator.history()[0].seconds, "s");
  line("pairs_per_second" + tag, static_cast<double>(pairs) / sum, "pairs/s");
  line("encode_all_frames_seconds" + tag, encode_s, "s");
  line("total_training_seconds" + tag, total, "s");
  line("rss_after_loading_data" + tag, rss_data, "MB");
  line("peak_rss_training" + tag, rss_training, "MB");
  line("peak_rss" + tag, peak_rss_mb(), "MB");
  return z.frames() == x.frames() ? 0 : 1;
}
