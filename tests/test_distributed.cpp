// Beyond one process: data-parallel training (ranks as child processes on
// 127.0.0.1), its environment, and sweeps split into shards.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <ATen/CPUGeneratorImpl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <thread>

#include "data/frame_rows.h"
#include "dynae/data/npy.h"
#include "dynae/errors.h"
#include "dynae/experiments/sweep.h"
#include "dynae/runtime.h"
#include "dynae/training/communicator.h"
#include "dynae/training/estimator.h"
#include "models/model_impl.h"
#include "test_util.h"
#include "training/train_step.h"
#include "model_compare.h"

using namespace dynae;
using dynae::test::CliResult;
using dynae::test::file_exists;
using dynae::test::read_file;
using dynae::test::run_cli;
using dynae::test::scratch_dir;

namespace {

/// Sets environment variables for its lifetime, restoring what was there.
class ScopedEnv {
 public:
  ScopedEnv(std::initializer_list<std::pair<const char*, const char*>> vars) {
    for (const auto& [name, value] : vars) {
      const char* old = std::getenv(name);
      saved_.push_back({name, old ? std::string(old) : std::string(), old != nullptr});
      if (value) ::setenv(name, value, 1);
      else ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    for (const auto& s : saved_) {
      if (s.present) ::setenv(s.name.c_str(), s.value.c_str(), 1);
      else ::unsetenv(s.name.c_str());
    }
  }

 private:
  struct Saved {
    std::string name, value;
    bool present;
  };
  std::vector<Saved> saved_;
};

/// Clears every variable the rank detection reads.
ScopedEnv no_launcher_env() {
  return ScopedEnv{{"RANK", nullptr},          {"WORLD_SIZE", nullptr},          {"MASTER_ADDR", nullptr},
                   {"MASTER_PORT", nullptr},   {"SLURM_STEP_NUM_TASKS", nullptr},        {"SLURM_PROCID", nullptr},
                   {"SLURM_JOB_NODELIST", nullptr}, {"SLURM_STEP_NODELIST", nullptr}, {"SLURM_JOB_ID", nullptr}};
}

/// A TCP port for this test process's rendezvous (tests run in parallel).
int test_port(int k) { return 20000 + static_cast<int>((::getpid() * 13 + k * 101) % 30000); }

std::string subset(const std::string& dir, int64_t frames) {
  const std::string path = dir + "/x.npy";
  write_npy(path, read_npy(kData + "three_state_transformed_traj_data200k.npy").slice_frames(0, frames),
            NpyDtype::Float64);
  return path;
}

/// A sweep's summary.csv without its dir and seconds columns (2 and 7): what
/// runs of the same settings in other processes or places share.
std::string summary_table(const std::string& csv) {
  std::istringstream in(csv);
  std::string out;
  for (std::string line; std::getline(in, line);) {
    std::istringstream cells(line);
    int column = 0;
    for (std::string cell; std::getline(cells, cell, ',');) {
      ++column;
      if (column != 2 && column != 7) out += cell + ",";
    }
    out += "\n";
  }
  return out;
}

/// Runs the shell command (its own output redirected by the caller).
int shell(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST(DistributedSettings, FirstSlurmHost) {
  EXPECT_EQ(first_slurm_host("node07"), "node07");
  EXPECT_EQ(first_slurm_host("node[07-09,12],gpu3"), "node07");
  EXPECT_EQ(first_slurm_host("gpu3,node[1-2]"), "gpu3");
  EXPECT_EQ(first_slurm_host("rack[2,4]-n[001-004]"), "rack2-n[001-004]");  // first bracket only, as Slurm writes one
  EXPECT_EQ(first_slurm_host("cn[0010]"), "cn0010");
}

TEST(DistributedSettings, FromTorchrunAndSlurmEnvironments) {
  const ScopedEnv clean = no_launcher_env();
  EXPECT_EQ(distributed_from_environment().world_size, 1);
  {
    const ScopedEnv e{{"RANK", "1"}, {"WORLD_SIZE", "4"}, {"MASTER_ADDR", "head"}, {"MASTER_PORT", "1234"}};
    const DistributedSettings s = distributed_from_environment();
    EXPECT_EQ(s.world_size, 4);
    EXPECT_EQ(s.rank, 1);
    EXPECT_EQ(s.master_addr, "head");
    EXPECT_EQ(s.master_port, 1234);
    EXPECT_EQ(s.source, "torchrun environment");
  }
  {
    const ScopedEnv e{{"SLURM_STEP_NUM_TASKS", "8"}, {"SLURM_PROCID", "5"}, {"SLURM_STEP_NODELIST", "c[101-104]"},
                      {"SLURM_JOB_ID", "77123"}};
    const DistributedSettings s = distributed_from_environment();
    EXPECT_EQ(s.world_size, 8);
    EXPECT_EQ(s.rank, 5);
    EXPECT_EQ(s.master_addr, "c101");
    EXPECT_EQ(s.master_port, 29500 + 123);
  }
  {
    const ScopedEnv e{{"SLURM_STEP_NUM_TASKS", "1"}, {"SLURM_PROCID", "0"}};  // one task: a plain run
    EXPECT_EQ(distributed_from_environment().world_size, 1);
  }
  {
    // a batch script of a 4-task allocation, not an srun step: a plain run
    const ScopedEnv e{{"SLURM_NTASKS", "4"}, {"SLURM_PROCID", "0"}, {"SLURM_JOB_NODELIST", "c[1-2]"}};
    EXPECT_EQ(distributed_from_environment().world_size, 1);
  }
  for (auto [rank, world] : {std::pair{"4", "4"}, {"x", "2"}, {"1", "0"}, {"-1", "2"}}) {
    const ScopedEnv e{{"RANK", rank}, {"WORLD_SIZE", world}};
    EXPECT_THROW(distributed_from_environment(), ConfigError) << rank << " of " << world;
  }
  {
    const ScopedEnv e{{"RANK", "0"}};
    EXPECT_THROW(distributed_from_environment(), ConfigError);
  }
  DistributedSettings bad;
  bad.world_size = 2;
  bad.rank = 2;
  EXPECT_THROW(check_distributed(bad), ConfigError);
  bad.rank = 0;
  bad.backend = "mpi";
  EXPECT_THROW(check_distributed(bad), ConfigError);
  bad.backend = "nccl";
  EXPECT_THROW(connect(bad), ConfigError);  // a CPU LibTorch
}

TEST(SweepShards, ParseAndSlurmArray) {
  int64_t i = -1, n = -1;
  parse_shard("2/5", i, n);
  EXPECT_EQ(i, 2);
  EXPECT_EQ(n, 5);
  for (const char* bad : {"5/5", "1", "/2", "a/3", "1/0", "-1/3", "1/3x"}) {
    EXPECT_THROW(parse_shard(bad, i, n), ConfigError) << bad;
  }
  {
    const ScopedEnv e{{"SLURM_ARRAY_TASK_ID", "7"}, {"SLURM_ARRAY_TASK_COUNT", "4"}, {"SLURM_ARRAY_TASK_MIN", "5"}};
    ASSERT_TRUE(shard_from_slurm_array(i, n));
    EXPECT_EQ(i, 2);
    EXPECT_EQ(n, 4);
  }
  {
    const ScopedEnv e{{"SLURM_ARRAY_TASK_ID", "9"}, {"SLURM_ARRAY_TASK_COUNT", "4"}, {"SLURM_ARRAY_TASK_MIN", "0"}};
    EXPECT_THROW(shard_from_slurm_array(i, n), ConfigError);  // a sparse array (--array=0,9)
  }
  const ScopedEnv none{{"SLURM_ARRAY_TASK_ID", nullptr}, {"SLURM_ARRAY_TASK_COUNT", nullptr}};
  EXPECT_FALSE(shard_from_slurm_array(i, n));
}

// Three ranks (threads of this process, over 127.0.0.1): the sum of values
// whose total depends on the order of addition. Every rank gets the bits of
// adding them in rank order from zero, for both backends and both precisions
// (a ring allreduce adds in another order on each rank: 1e8 + 1 - 1e8 is 0 in
// single precision on one rank and 1 on another).
TEST(Communicator, SumsInRankOrderOnEveryRank) {
  for (const char* backend : {"gloo", "c10d"}) {
    SCOPED_TRACE(backend);
    constexpr int N = 3;
    const float fv[N][2] = {{1e8f, 1.0f}, {-1e8f, 2.0f}, {1.0f, 3.0f}};
    const double dv[N][2] = {{1e17, 0.5}, {-1e17, 0.25}, {1.0, 0.125}};
    float fout[N][2];
    double dout[N][2];
    std::vector<std::string> gathered(N);
    std::vector<std::string> errors(N);
    const int port = test_port(backend[0] == 'g' ? 5 : 6);
    std::vector<std::thread> ranks;
    for (int r = 0; r < N; ++r) {
      ranks.emplace_back([&, r] {
        try {
          DistributedSettings s;
          s.world_size = N;
          s.rank = r;
          s.master_port = port;
          s.backend = backend;
          s.timeout_seconds = 30;
          auto comm = connect(s);
          std::copy(fv[r], fv[r] + 2, fout[r]);
          comm->allreduce_sum(fout[r], 2);
          std::copy(dv[r], dv[r] + 2, dout[r]);
          comm->allreduce_sum(dout[r], 2);
          const char mine[2] = {static_cast<char>('a' + r), static_cast<char>('A' + r)};
          char all[2 * N];
          comm->allgather(mine, all, 2);
          gathered[r].assign(all, 2 * N);
        } catch (const std::exception& e) {
          errors[r] = e.what();
        }
      });
    }
    for (auto& t : ranks) t.join();
    for (int r = 0; r < N; ++r) {
      ASSERT_EQ(errors[r], "") << "rank " << r;
      EXPECT_EQ(fout[r][0], 1.0f) << "rank " << r;  // (1e8 - 1e8) + 1; the ring's rank 0 makes 0
      EXPECT_EQ(fout[r][1], 6.0f) << "rank " << r;
      EXPECT_EQ(dout[r][0], 1.0) << "rank " << r;
      EXPECT_EQ(dout[r][1], 0.875) << "rank " << r;
      EXPECT_EQ(gathered[r], "aAbBcC") << "rank " << r;
    }
  }
}

// A batch split into shards: the reconstruction and transition terms are
// means over pairs, so the shards' weighted sum is the whole batch's (to
// float rounding); the sliced Wasserstein term is the mean of the shards'
// own distances, close to the whole batch's.
TEST(DataParallel, ShardedLossTermsAreTheWholeBatchs) {
  set_num_threads(1);
  const Array x = read_npy(kData + "three_state_transformed_traj_data200k.npy").slice_frames(0, 3000);
  TrajectorySet data;
  data.add("subset", x);
  const FrameRows rows(data, false);
  std::vector<int64_t> first(256);
  for (int64_t j = 0; j < 256; ++j) first[j] = (j * 37) % 2900;
  for (bool fused : {true, false}) {
    SCOPED_TRACE(fused ? "fused" : "autograd");
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(3);
    Model::Impl impl(ModelOptions().set_fused_kernels(fused), std::vector<int64_t>{2}, std::vector<int64_t>{2}, gen);
    for (int64_t shards : {2, 3}) {
      at::Generator g1 = at::make_generator<at::CPUGeneratorImpl>(9), g2 = at::make_generator<at::CPUGeneratorImpl>(9);
      auto whole = make_train_step(StepContext{impl, rows, rows, g1});
      auto split = make_train_step(StepContext{impl, rows, rows, g2, DataParallel{shards, nullptr}});
      const StepLosses a = whole->evaluate({first.data(), 256}, 10.0), b = split->evaluate({first.data(), 256}, 10.0);
      EXPECT_NEAR(b.reconstruction, a.reconstruction, 1e-6 * a.reconstruction) << shards << " shards";
      EXPECT_NEAR(b.prior, a.prior, 1e-6 * a.prior) << shards << " shards";
      EXPECT_GT(b.regularization, 0.5 * a.regularization);
      EXPECT_LT(b.regularization, 2.0 * a.regularization);
      EXPECT_NEAR(b.loss, b.reconstruction + 10.0 * b.regularization, 1e-6 * b.loss);  // float terms (autograd)
    }
  }
}

// Both step implementations split batches and draw each shard's numbers the
// same way: the same training to float rounding (see
// FusedTraining.SameLossesAndModelAsTheLibTorchPath for the tolerance).
TEST(DataParallel, BothStepImplementationsShardAlike) {
  set_num_threads(1);
  const Array x = read_npy(kData + "three_state_transformed_traj_data200k.npy").slice_frames(0, 12000);
  TrajectorySet data;
  data.add("subset", x);
  const ModelOptions o = ModelOptions().set_epochs(2).set_seed(4).set_prior_refit_steps(50).set_warm_start("none");
  Estimator fused(ModelOptions(o).set_fused_kernels(true)), plain(ModelOptions(o).set_fused_kernels(false));
  fused.set_data_parallel(DataParallel{2, nullptr});
  plain.set_data_parallel(DataParallel{2, nullptr});
  const Model mf = fused.fit(data), mp = plain.fit(data);
  ASSERT_EQ(fused.history().size(), plain.history().size());
  for (size_t e = 0; e < fused.history().size(); ++e) {
    const auto &f = fused.history()[e], &p = plain.history()[e];
    for (auto [a, b] : {std::pair{f.train.total, p.train.total}, {f.train.regularization, p.train.regularization},
                        {f.train.prior, p.train.prior}, {f.test.total, p.test.total}}) {
      EXPECT_NEAR(a, b, 1e-3 * std::abs(b) + 1e-6) << "epoch " << e;
    }
  }
  const Array probe = x.slice_frames(0, 2000);
  const Array zf = mf.encode(probe), zp = mp.encode(probe);
  EXPECT_LT(test::max_abs_difference(zf, zp), 1e-3);
  // ... and sharding changes the training (a test that the option acts).
  Estimator one(ModelOptions(o).set_fused_kernels(true));
  const Array z1 = one.fit(data).encode(probe);
  double moved = 0;
  for (size_t i = 0; i < zf.data.size(); ++i) moved = std::max(moved, std::abs(zf.data[i] - z1.data[i]));
  EXPECT_GT(moved, 1e-6);
}

// The acceptance test: two ranks on 127.0.0.1 (child processes, one thread
// each) train 3 epochs and end bit for bit where one process computing both
// shards one after another ends, on the fused and on the LibTorch step; and
// two ranks of two threads (each rank's shard in two pieces, one per thread)
// where one process of two threads computing both shards ends.
TEST(DataParallel, TwoRanksEqualOneProcessComputingBothShards) {
  const std::string dir = scratch_dir("dp_ranks");
  const std::string x = subset(dir, 8000);
  const std::pair<const char*, const char*> configs[] = {{"True", "1"}, {"False", "1"}, {"True", "2"}};
  for (int c = 0; c < 3; ++c) {
    const auto [fused, threads] = configs[c];
    SCOPED_TRACE(std::string("fused_kernels ") + fused + ", threads " + threads);
    const std::string common =
        " train --input " + x + " --epochs 3 --prior-refit-steps 100 --threads " + threads + " -q --fused-kernels " + fused;
    const std::string tag = std::string(fused) + threads, one = dir + "/one" + tag, two = dir + "/two" + tag;
    ASSERT_EQ(run_cli(common + " --data-parallel-shards 2 --out " + one, dir).code, 0);
    const std::string port = std::to_string(test_port(c == 2 ? 11 : c + 1));
    const std::string rank = std::string(DYNAE_CLI) + common + " --out " + two + " --world-size 2 --master-port " + port;
    const int code = shell("cd " + dir + " && (" + rank + " --rank 0 > r0.txt 2>&1 & " + rank +
                           " --rank 1 > r1.txt 2>&1; r1=$?; wait $!; r0=$?; exit $((r0 + r1)))");
    ASSERT_EQ(code, 0) << read_file(dir + "/r0.txt") << read_file(dir + "/r1.txt");
    const std::string a = read_file(one + "/latent_traj0.npy"), b = read_file(two + "/latent_traj0.npy");
    ASSERT_FALSE(a.empty());
    EXPECT_TRUE(a == b) << "the 2-rank latent differs from the 2-shard one";
    EXPECT_EQ(read_file(one + "/cluster_centers.npy"), read_file(two + "/cluster_centers.npy"));
    // Only rank 0 wrote; the finished run records the split.
    EXPECT_NE(read_file(two + "/finished.txt").find("data_parallel_shards = 2"), std::string::npos);
    EXPECT_EQ(read_file(dir + "/r1.txt"), "");
  }
}

// A sweep trained by two ranks together: rank 0 decides and writes, the
// runs follow one another over one process group (each run's collectives
// must pair up across ranks); the table equals one process's with two shards.
TEST(DataParallel, RanksTrainASweepTogether) {
  const std::string dir = scratch_dir("dp_sweep");
  const std::string x = subset(dir, 5000);
  const std::string common = " train --input " + x + " --epochs 2 --prior-refit-steps 100 --threads 1 -q --seed 0,1,2 --truth " + x;
  ASSERT_EQ(run_cli(common + " --data-parallel-shards 2 --out " + dir + "/one", dir).code, 0);
  const std::string rank = std::string(DYNAE_CLI) + common + " --out " + dir + "/two --world-size 2 --master-port " +
                           std::to_string(test_port(4));
  ASSERT_EQ(shell("cd " + dir + " && (" + rank + " --rank 1 > r1.txt 2>&1 & " + rank +
                  " --rank 0 > r0.txt 2>&1; r0=$?; wait $!; exit $((r0 + $?)))"),
            0)
      << read_file(dir + "/r0.txt") << read_file(dir + "/r1.txt");
  const std::string one = summary_table(read_file(dir + "/one/summary.csv"));
  EXPECT_EQ(std::count(one.begin(), one.end(), '\n'), 4);
  EXPECT_EQ(summary_table(read_file(dir + "/two/summary.csv")), one);
}

// Ranks given other data stop before anything is written; a run that rank 0
// refuses (a finished run there, no --overwrite) ends every rank with its reason.
TEST(DataParallel, RanksStopTogetherOnBadStarts) {
  const std::string dir = scratch_dir("dp_bad");
  const std::string x = subset(dir, 3000);
  Array other = read_npy(x);
  other.data[10] += 1e-3;
  write_npy(dir + "/y.npy", other, NpyDtype::Float64);
  auto both = [&](const std::string& in0, const std::string& in1, int port) {
    const std::string rank = std::string(DYNAE_CLI) + " train --epochs 1 -q --out " + dir + "/run --world-size 2 --master-port " +
                             std::to_string(port);
    shell("cd " + dir + "; " + rank + " --input " + in0 + " --rank 0 > b0.txt 2>&1 & p0=$!; " + rank + " --input " +
          in1 + " --rank 1 > b1.txt 2>&1; r1=$?; wait $p0; echo $? $r1 > codes.txt");
    return read_file(dir + "/codes.txt");
  };
  EXPECT_EQ(both(x, dir + "/y.npy", test_port(8)), "1 1\n");
  EXPECT_NE(read_file(dir + "/b1.txt").find("not given the settings and data that rank 0 was"), std::string::npos)
      << read_file(dir + "/b1.txt");
  EXPECT_FALSE(file_exists(dir + "/run")) << "a run directory was made";
  ASSERT_EQ(both(x, x, test_port(9)), "0 0\n") << read_file(dir + "/b0.txt");
  EXPECT_EQ(both(x, x, test_port(10)), "1 1\n");  // finished run there
  EXPECT_NE(read_file(dir + "/b1.txt").find("rank 0 could not start the run"), std::string::npos)
      << read_file(dir + "/b1.txt");
  EXPECT_NE(read_file(dir + "/b1.txt").find("--overwrite"), std::string::npos) << read_file(dir + "/b1.txt");
}

// A rank killed mid-training ends the other with an error naming what
// happened, well within the timeout, and the run stays unfinished (resumable).
TEST(DataParallel, KillingOneRankStopsTheOther) {
  const std::string dir = scratch_dir("dp_kill");
  const std::string x = subset(dir, 20000);
  const std::string port = std::to_string(test_port(3));
  const std::string rank = std::string(DYNAE_CLI) + " train --input " + x +
                           " --epochs 500 --threads 1 -q --out " + dir + "/run --world-size 2 --dist-timeout 20 "
                           "--master-port " + port;
  const auto t0 = std::chrono::steady_clock::now();
  const int code = shell("cd " + dir + "; " + rank + " --rank 0 > r0.txt 2>&1 & p0=$!; " + rank +
                         " --rank 1 > r1.txt 2>&1 & p1=$!; for i in $(seq 600); do [ -f " + dir +
                         "/run/checkpoint.pt ] && break; sleep 0.05; done; sleep 0.3; k=$(date +%s%N); kill -9 $p1; "
                         "wait $p0; c=$?; echo $(( ($(date +%s%N) - k) / 1000000 )) > after_kill_ms.txt; exit $c");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_NE(code, 0);
  EXPECT_LT(seconds, 120.0);
  // A dead peer is seen at once (0.25 s measured), far within --dist-timeout 20.
  EXPECT_LT(std::stoi(read_file(dir + "/after_kill_ms.txt")), 10000) << read_file(dir + "/after_kill_ms.txt");
  const std::string out = read_file(dir + "/r0.txt");
  EXPECT_NE(out.find("rank 0 of 2"), std::string::npos) << out;
  EXPECT_NE(out.find("lost the other ranks"), std::string::npos) << out;
  EXPECT_FALSE(file_exists(dir + "/run/finished.txt"));
}

// Ctrl-C on one rank stops both after the same step, with a consistent
// checkpoint; --resume on two ranks then ends where the uninterrupted
// two-rank training ends, bit for bit.
TEST(DataParallel, InterruptedRanksResumeToTheUninterruptedResult) {
  const std::string dir = scratch_dir("dp_resume");
  const std::string x = subset(dir, 20000);
  const std::string common = " train --input " + x + " --epochs 150 --prior-refit-steps 100 --threads 1 -q --world-size 2 --master-port ";
  auto pair = [&](const std::string& out, int port, const std::string& rank0_extra) {
    const std::string rank = std::string(DYNAE_CLI) + common + std::to_string(port) + " --out " + out;
    return "cd " + dir + "; " + rank + " --rank 0 > " + out + "_r0.txt 2>&1 & p0=$!; " + rank + " --rank 1 > " + out +
           "_r1.txt 2>&1 & p1=$!; " + rank0_extra + "wait $p0; r0=$?; wait $p1; echo $r0 $? > " + out + "_codes.txt";
  };
  shell(pair(dir + "/whole", test_port(5), ""));
  ASSERT_EQ(read_file(dir + "/whole_codes.txt"), "0 0\n") << read_file(dir + "/whole_r0.txt");
  // The signal after the first checkpoint (a loaded machine starts slowly), mid-training.
  shell(pair(dir + "/cut", test_port(6),
             "for i in $(seq 600); do [ -f " + dir + "/cut/checkpoint.pt ] && break; sleep 0.05; done; sleep 0.3; "
             "kill -INT $p0; "));
  const std::string codes = read_file(dir + "/cut_codes.txt");
  if (codes == "0 0\n") GTEST_SKIP() << "the training ended before the signal (a fast machine)";
  EXPECT_EQ(codes, "130 143\n") << read_file(dir + "/cut_r0.txt") << read_file(dir + "/cut_r1.txt");
  EXPECT_NE(read_file(dir + "/cut_r1.txt").find("another rank was interrupted"), std::string::npos);
  ASSERT_TRUE(file_exists(dir + "/cut/checkpoint.pt"));
  ASSERT_FALSE(file_exists(dir + "/cut/finished.txt"));
  const std::string rank = std::string(DYNAE_CLI) + " train -q --resume " + dir + "/cut --world-size 2 --master-port " +
                           std::to_string(test_port(7));
  ASSERT_EQ(shell("cd " + dir + " && (" + rank + " --rank 1 > re1.txt 2>&1 & " + rank +
                  " --rank 0 > re0.txt 2>&1; r0=$?; wait $!; exit $((r0 + $?)))"),
            0)
      << read_file(dir + "/re0.txt") << read_file(dir + "/re1.txt");
  const std::string a = read_file(dir + "/whole/latent_traj0.npy");
  ASSERT_FALSE(a.empty());
  EXPECT_TRUE(a == read_file(dir + "/cut/latent_traj0.npy")) << "the resumed 2-rank run differs from the uninterrupted one";
}

// Sweep shards run at the same time into one directory cover every run once,
// and --collect gives the serial sweep's summary (but for the wall times).
TEST(SweepShards, ConcurrentShardsAndCollectMatchASerialSweep) {
  const std::string dir = scratch_dir("sweep_shards");
  const std::string x = subset(dir, 4000);
  const std::string sweep = " train --input " + x + " --epochs 2 --prior-refit-steps 100 --threads 1 -q --seed 0,1,2,3 --beta 5,10";
  ASSERT_EQ(run_cli(sweep + " --out " + dir + "/serial", dir).code, 0);
  const std::string cli = std::string(DYNAE_CLI) + sweep + " --out " + dir + "/sharded";
  ASSERT_EQ(shell("cd " + dir + " && (" + cli + " --shard 0/3 > s0.txt 2>&1 & " + cli + " --shard 1/3 > s1.txt 2>&1 & " +
                  cli + " --shard 2/3 > s2.txt 2>&1; s2=$?; wait; exit $s2)"),
            0)
      << read_file(dir + "/s0.txt") << read_file(dir + "/s1.txt") << read_file(dir + "/s2.txt");
  EXPECT_FALSE(file_exists(dir + "/sharded/summary.csv")) << "a shard wrote the sweep's summary";
  // Each run was trained once, by its own shard (8 runs: shard 0 takes runs 0, 3, 6).
  int trained = 0;
  for (int s = 0; s < 3; ++s) {
    std::istringstream lines(read_file(dir + "/s" + std::to_string(s) + ".txt"));
    for (std::string line; std::getline(lines, line);) trained += line.find("/sharded/") != std::string::npos && line.find(": DynAE, ") != std::string::npos;
  }
  EXPECT_EQ(trained, 8);
  const CliResult collected = run_cli(sweep + " --out " + dir + "/sharded --collect", dir);
  ASSERT_EQ(collected.code, 0) << collected.output;
  const std::string serial = summary_table(read_file(dir + "/serial/summary.csv"));
  EXPECT_EQ(std::count(serial.begin(), serial.end(), '\n'), 9);
  EXPECT_EQ(summary_table(read_file(dir + "/sharded/summary.csv")), serial);
  // A missing run: the summary of the others, the run listed, exit 1.
  ASSERT_EQ(shell("rm -rf '" + dir + "/sharded/beta=10_seed=2'"), 0);
  const CliResult partial = run_cli(sweep + " --out " + dir + "/sharded --collect", dir);
  EXPECT_EQ(partial.code, 1);
  EXPECT_NE(partial.output.find("1 of 8 runs"), std::string::npos) << partial.output;
  EXPECT_NE(partial.output.find("beta=10_seed=2 (not started)"), std::string::npos) << partial.output;
}
