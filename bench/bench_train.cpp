// Training speed and memory at the reference defaults on the bundled
// three-state data. Prints a readable summary and one machine-readable line
// per figure: "BENCH <name> <value> <unit>".
//
//   dynae_bench                 the kernels, then all configurations below, each in its own process
//   dynae_bench --threads 1 --tile 1 [--epochs 6] [--fused 0]   one configuration
//   dynae_bench --kernels       the small-matrix kernels alone
//   dynae_bench --threads 1 --ranks 2 --rank R --port P   one rank of a data-parallel configuration
//
// First the fused path's small-matrix kernels (cpu/small_gemm.h): which set
// this CPU gets, and GFLOP/s of every set it runs and of the BLAS LibTorch
// uses, on the step's products (512 x 32 x 32). Configurations: 1 thread,
// one thread per core, and auto (threads = 0, the default) on the data as it
// is; 1 thread and auto on the trajectory tiled 10 times (cost growth with data
// size), all on the fused kernels (the default); 1 thread with OpenBLAS forced to
// its generic kernels (OPENBLAS_CORETYPE=Prescott, tagged "_prescott": the
// speed must not depend on what OpenBLAS knows of the CPU); then 1 thread on the
// plain LibTorch autograd path (fused_kernels = False), tagged "_plain"; then
// data-parallel training over 2 processes of 1 thread each on 127.0.0.1 (c10d
// rendezvous, Gloo allreduce), on the data as it is and tiled 10 times,
// tagged "_ranks2" (rank 0's figures; its memory is one process's).
// Each runs in a child process so that its peak resident memory is its own.
//
// Seconds per epoch is the median over the epochs after the warm-up epoch 0
// (epoch 0 has no resampling, so it is not representative); each epoch's time
// includes resampling and the test-set evaluation, as a user sees it.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dlfcn.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>
#include <thread>
#include <tuple>

#include "cpu/phase_clock.h"
#include "cpu/small_gemm.h"
#include "dynae/data/npy.h"
#include "dynae/models/model.h"
#include "dynae/runtime.h"
#include "dynae/training/communicator.h"
#include "dynae/training/estimator.h"
#include "dynae/training/progress.h"

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

/// GFLOP/s of `product` (2 M N K flops a call), over about 0.3 s.
template <class F>
double gflops(int64_t M, int64_t N, int64_t K, F&& product) {
  for (int i = 0; i < 200; ++i) product();
  int64_t calls = 0;
  const auto t0 = std::chrono::steady_clock::now();
  double s = 0;
  while (s < 0.3) {
    for (int i = 0; i < 500; ++i) product();
    calls += 500;
    s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  return 2.0 * static_cast<double>(M * N * K * calls) / s / 1e9;
}

/// The kernels: the chosen set, each set's speed on the step's products, and
/// the BLAS's (cblas_sgemm, looked up at run time: OpenBLAS under Debian).
void kernel_report() {
  using dynae::KernelIsa;
  std::printf("small-matrix kernels chosen for this CPU: %s\n", dynae::kernel_isa_name(dynae::kernel_isa()));
  const int64_t M = 512, N = 32, K = 32;
  std::vector<float> a(static_cast<size_t>(M * K), 0.5f), b(static_cast<size_t>(K * N), 0.25f), c(static_cast<size_t>(M * N));
  const KernelIsa chosen = dynae::kernel_isa();
  for (KernelIsa isa : {KernelIsa::Baseline, KernelIsa::Avx2, KernelIsa::Avx512}) {
    if (!dynae::kernel_isa_supported(isa)) continue;
    dynae::set_kernel_isa(isa);
    const std::string name = dynae::kernel_isa_name(isa);
    // y = x W^T (forward, input gradients) and dW = g^T x (weight gradients)
    line("kernel_gflops_" + name + "_nn_512x32x32", gflops(M, N, K, [&] {
           dynae::gemm_nn(M, N, K, a.data(), K, b.data(), N, c.data(), N, false);
         }), "GFLOP/s");
    line("kernel_gflops_" + name + "_tn_32x32x512", gflops(N, K, M, [&] {
           dynae::gemm_tn(N, K, M, a.data(), N, a.data(), K, c.data(), K, false);
         }), "GFLOP/s");
    // ... and on one row chunk of the fused passes (FusedMlp::kRowChunk rows)
    line("kernel_gflops_" + name + "_nn_64x32x32", gflops(64, N, K, [&] {
           dynae::gemm_nn(64, N, K, a.data(), K, b.data(), N, c.data(), N, false);
         }), "GFLOP/s");
    line("kernel_gflops_" + name + "_tn_32x32x64", gflops(N, K, 64, [&] {
           dynae::gemm_tn(N, K, 64, a.data(), N, a.data(), K, c.data(), K, false);
         }), "GFLOP/s");
  }
  dynae::set_kernel_isa(chosen);
  using Sgemm = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);
  if (auto* sgemm = reinterpret_cast<Sgemm>(::dlsym(RTLD_DEFAULT, "cblas_sgemm"))) {
    const char* core = std::getenv("OPENBLAS_CORETYPE");
    std::printf("BLAS cblas_sgemm (OPENBLAS_CORETYPE=%s):\n", core ? core : "(unset)");
    line("blas_gflops_nn_512x32x32", gflops(M, N, K, [&] {
           sgemm(101, 111, 111, M, N, K, 1.0f, a.data(), K, b.data(), N, 0.0f, c.data(), N);
         }), "GFLOP/s");
  }
}

/// How much of a second core this process really gets (shared and virtual
/// machines lend less than they show): the throughput of the chosen
/// small-matrix kernel on two threads at once over its throughput on one,
/// per thread (1 = a full core; a latency-bound loop would not see a core
/// shared with another thread).
double parallel_capacity() {
  auto work = [](double seconds) {
    const int64_t M = 512, N = 32, K = 32;
    std::vector<float> a(static_cast<size_t>(M * K), 0.5f), b(static_cast<size_t>(K * N), 0.25f),
        c(static_cast<size_t>(M * N));
    int64_t n = 0;
    const auto t0 = std::chrono::steady_clock::now();
    while (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < seconds) {
      for (int i = 0; i < 100; ++i) dynae::gemm_nn(M, N, K, a.data(), K, b.data(), N, c.data(), N, false);
      ++n;
    }
    return static_cast<double>(n) / seconds;
  };
  const double alone = work(0.3);
  double other = 0;
  std::thread t([&] { other = work(0.3); });
  const double mine = work(0.3);
  t.join();
  return 0.5 * (mine + other) / alone;
}

/// The phase clock's totals at the first step of every epoch (the last
/// training's epochs are those after the starts).
class PhaseMarks : public dynae::TrainingObserver {
 public:
  void on_step(int64_t epoch, int64_t step, int64_t) override {
    if (step != 1) return;
    if (!marks.empty() && epoch <= marks.back().first) marks.clear();  // the next start
    marks.emplace_back(epoch, dynae::phase_seconds());
  }
  void on_note(const std::string& note) override {
    if (note.rfind("kept start", 0) == 0) marks.clear();  // the kept start goes on: its marks from here
  }
  /// Mean seconds per phase over the last training's whole epochs after
  /// epoch 0 (each from one epoch's first step to the next's: its steps,
  /// its test evaluation, the next epoch's resampling); empty when none.
  std::vector<double> per_epoch() const {
    size_t first = 0;
    while (first < marks.size() && marks[first].first < 1) ++first;
    if (marks.size() < first + 2) return {};
    std::vector<double> out(dynae::kPhases, 0.0);
    const double n = static_cast<double>(marks.size() - 1 - first);
    for (int p = 0; p < dynae::kPhases; ++p) out[p] = (marks.back().second[p] - marks[first].second[p]) / n;
    return out;
  }
  std::vector<std::pair<int64_t, std::array<double, dynae::kPhases>>> marks;
};

}  // namespace

int run(int argc, char** argv);

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {  // (e.g. no bundled data found): a message, not an abort
    std::fprintf(stderr, "dynae_bench: %s\n", e.what());
    return 1;
  }
}

int run(int argc, char** argv) {
  dynae::keep_freed_memory();
  CLI::App app{"dynae training benchmark (reference defaults, bundled three-state data)"};
  int64_t epochs = 6, threads = -1, tile = 1;
  int fused = 1;
  int64_t ranks = 1, rank = 0, port = 29650;
  app.add_option("--epochs", epochs, "epochs to run (epoch 0 is the warm-up)")->capture_default_str()->check(CLI::Range(2, 1000));
  bool kernels_only = false;
  app.add_option("--threads", threads, "threads (0 = auto, the default of dynae train)")->capture_default_str();
  app.add_flag("--kernels", kernels_only, "the small-matrix kernels alone");
  app.add_option("--tile", tile, "repeat the trajectory this many times (data-size scaling)")->capture_default_str()->check(CLI::Range(1, 100));
  app.add_option("--fused", fused, "1: fused kernels (default), 0: the plain LibTorch path")->capture_default_str()->check(CLI::Range(0, 1));
  app.add_option("--ranks", ranks, "data-parallel processes (the launcher starts them all)")->capture_default_str()->check(CLI::Range(1, 64));
  app.add_option("--rank", rank, "this process's rank (with --ranks)")->capture_default_str();
  app.add_option("--port", port, "the rendezvous port on 127.0.0.1 (with --ranks)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  if (kernels_only) {
    kernel_report();
    return 0;
  }
  if (threads < 0) {  // the kernels, then every configuration, one child process each
    kernel_report();
    line("second_core_capacity", parallel_capacity(), "(1 = two full cores)");
    const int64_t cores = dynae::available_cores();
    // threads, tile, fused, OpenBLAS forced to its generic kernels
    // threads, tile, fused, Prescott, ranks
    const std::vector<std::tuple<int64_t, int64_t, int, bool, int64_t>> configs = {
        {1, 1, 1, false, 1}, {cores, 1, 1, false, 1}, {0, 1, 1, false, 1}, {1, 10, 1, false, 1},
        {0, 10, 1, false, 1}, {1, 1, 1, true, 1},  {1, 1, 0, false, 1},  {1, 1, 1, false, 2},
        {1, 10, 1, false, 2}};
    char self[4096];
    const ssize_t len = ::readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0) return 1;
    self[len] = '\0';
    int failures = 0;
    for (const auto& [t, k, f, prescott, n] : configs) {
      std::string cmd = std::string(prescott ? "env OPENBLAS_CORETYPE=Prescott " : "") + self + " --epochs " + std::to_string(k > 1 ? std::min<int64_t>(epochs, 4) : epochs) +
                              " --threads " + std::to_string(t) + " --tile " + std::to_string(k) +
                              " --fused " + std::to_string(f);
      if (n > 1) {  // ranks 1 .. n-1 in the background, rank 0 reports
        const std::string group = cmd + " --ranks " + std::to_string(n) + " --port " + std::to_string(port);
        cmd = "(";
        for (int64_t r = 1; r < n; ++r) cmd += group + " --rank " + std::to_string(r) + " > /dev/null & ";
        cmd += group + " --rank 0; s=$?; wait; exit $s)";
      }
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
      tiled.data.append(base.data.begin(), base.data.end());
      tiled.shape[0] += base.shape[0];
    }
    data.add("three_state x" + std::to_string(tile), std::move(tiled));
  }
  const dynae::Array& x = data.trajectories().front().input;

  const double rss_data = peak_rss_mb();
  dynae::Estimator estimator(dynae::ModelOptions().set_epochs(epochs).set_seed(0).set_fused_kernels(fused == 1));
  std::unique_ptr<dynae::Communicator> comm;
  if (ranks > 1) {
    dynae::DistributedSettings d;
    d.world_size = ranks;
    d.rank = rank;
    d.master_port = port;
    comm = dynae::connect(d);
    estimator.set_data_parallel(dynae::DataParallel{ranks, comm.get()});
  }
  const auto t0 = std::chrono::steady_clock::now();
  PhaseMarks phases;
  dynae::start_phase_clock();
  const dynae::Model model = estimator.fit(data, &phases);
  dynae::stop_phase_clock();
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double rss_training = peak_rss_mb();  // before the encode below
  if (rank != 0) return 0;  // rank 0 reports

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

  const int64_t batch = estimator.options().batch_size;
  const char* core = std::getenv("OPENBLAS_CORETYPE");
  const bool prescott = core && std::string(core) == "Prescott";
  std::printf("dynae benchmark: %lld frames (tile %lld), %lld epochs, %lld process(es), threads %s (LibTorch %lld; fused "
              "path: each batch in %lld pieces on %lld threads, %s kernels), %s path%s\n",
              static_cast<long long>(x.frames()), static_cast<long long>(tile), static_cast<long long>(epochs),
              static_cast<long long>(ranks), threads == 0 ? "auto" : std::to_string(threads).c_str(), static_cast<long long>(dynae::num_threads()),
              static_cast<long long>(dynae::batch_pieces(batch / ranks)),
              static_cast<long long>(dynae::kernel_threads(batch / ranks)), dynae::kernel_isa_name(dynae::kernel_isa()),
              fused ? "fused" : "plain LibTorch", prescott ? ", OPENBLAS_CORETYPE=Prescott" : "");
  const std::string tag = "_threads" + (threads == 0 ? std::string("auto") : std::to_string(threads)) + "_tile" +
                          std::to_string(tile) + (fused ? "" : "_plain") + (prescott ? "_prescott" : "") +
                          (ranks > 1 ? "_ranks" + std::to_string(ranks) : "");
  line("seconds_per_epoch_median" + tag, median(secs), "s");
  // Where an epoch's time goes (the thread that runs the training; "wait" is
  // its time waiting for the other threads of a step)
  const std::vector<double> per_epoch = phases.per_epoch();
  for (int p = 0; p < static_cast<int>(per_epoch.size()); ++p) {
    const auto phase = static_cast<dynae::Phase>(p);
    if (phase == dynae::Phase::refit || phase == dynae::Phase::warm_start || phase == dynae::Phase::quality) continue;
    line(std::string("phase_") + dynae::phase_name(phase) + "_seconds_per_epoch" + tag, per_epoch[p], "s");
  }
  // ... and the whole training's (the starts, warm starts, refit and quality figures included)
  const std::array<double, dynae::kPhases> whole = dynae::phase_seconds();
  for (int p = 0; p < dynae::kPhases; ++p) {
    line(std::string("training_phase_") + dynae::phase_name(static_cast<dynae::Phase>(p)) + "_seconds" + tag, whole[p], "s");
  }
  line("warmup_epoch_seconds" + tag, estimator.history()[0].seconds, "s");
  line("pairs_per_second" + tag, static_cast<double>(pairs) / sum, "pairs/s");
  line("encode_all_frames_seconds" + tag, encode_s, "s");
  line("total_training_seconds" + tag, total, "s");
  line("rss_after_loading_data" + tag, rss_data, "MB");
  line("peak_rss_training" + tag, rss_training, "MB");
  line("peak_rss" + tag, peak_rss_mb(), "MB");
  return z.frames() == x.frames() ? 0 : 1;
}
