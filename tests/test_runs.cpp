// Nothing lost, nothing silent: run directories (lock, finished runs kept,
// resume after kill -9 or Ctrl-C), checkpoints that fail cleanly, are
// checksummed and refuse non-finite weights.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <torch/torch.h>
#include <unistd.h>

#include <ATen/CPUGeneratorImpl.h>

#include <chrono>
#include <filesystem>
#include <csignal>
#include <random>
#include <thread>

#include "dynae/data/npy.h"
#include "dynae/data/table.h"
#include "dynae/errors.h"
#include "dynae/experiments/run.h"
#include "dynae/experiments/run_directory.h"
#include "dynae/models/model.h"
#include "models/model_impl.h"
#include "model_compare.h"
#include "test_util.h"

using namespace dynae;

namespace runs_test {

/// Starts `dynae args` in the background (output to `log`); its pid.
pid_t start_cli(const std::string& args, const std::string& log) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const std::string cmd = "exec " + std::string(DYNAE_CLI) + " " + args + " > '" + log + "' 2>&1";
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

/// Waits for `pid`; its exit code, or 128 + the signal that ended it.
int wait_for(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/// The bundled data's first `frames` frames in `dir`/x.npy.
std::string small_input(const std::string& dir, int64_t frames) {
  write_npy(dir + "/x.npy", read_npy(kData + "three_state_transformed_traj_data200k.npy").slice_frames(0, frames));
  return dir + "/x.npy";
}

void expect_same_run(const std::string& a, const std::string& b) {
  test::expect_same_weights(Model::load(a + "/model.pt"), Model::load(b + "/model.pt"));
  EXPECT_EQ(test::read_file(a + "/latent_traj0.npy"), test::read_file(b + "/latent_traj0.npy"));
  EXPECT_TRUE(test::file_exists(b + "/finished.txt"));
  EXPECT_FALSE(test::file_exists(b + "/checkpoint.pt"));
}

}  // namespace runs_test

using namespace runs_test;

TEST(RunDirectory, LockedFinishedRunsKeptEmptyOutRefused) {
  const std::string dir = test::scratch_dir("rundir");
  {
    RunDirectory held(dir + "/run");
    try {
      RunDirectory second(dir + "/run");
      FAIL() << "a second holder got the lock";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("in use by another dynae process (pid " + std::to_string(::getpid())),
                std::string::npos)
          << e.what();
    }
    EXPECT_NO_THROW(held.prepare(RunStart::Fresh));  // nothing there yet
    test::write_file(dir + "/run/config.ini", "x");
    EXPECT_THROW(held.prepare(RunStart::Fresh), Error);  // unfinished
    test::write_file(dir + "/run/finished.txt", "x");
    test::write_file(dir + "/run/checkpoint.pt", "x");
    try {
      held.prepare(RunStart::Fresh);
      FAIL();
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("holds a finished run; --overwrite"), std::string::npos) << e.what();
    }
    held.prepare(RunStart::Overwrite);
    EXPECT_FALSE(test::file_exists(dir + "/run/finished.txt"));  // marked unfinished before anything is replaced
    EXPECT_FALSE(test::file_exists(dir + "/run/checkpoint.pt"));
  }
  EXPECT_NO_THROW(RunDirectory again(dir + "/run"));  // released
  EXPECT_THROW(RunDirectory empty(""), ConfigError);
  RunDirectory fresh(dir + "/other");
  EXPECT_THROW(fresh.prepare(RunStart::Resume), Error);
}

TEST(RunDirectory, TrainingIntoAFinishedRunNeedsOverwrite) {
  const std::string dir = test::scratch_dir("rundir_cli");
  const std::string x = small_input(dir, 3000);
  const std::string train = "train -i " + x + " --epochs 1 --prior-refit-steps 5 -q ";
  test::CliResult r = test::run_cli(train + "-o " + dir + "/run", dir);
  ASSERT_EQ(r.code, 0) << r.output;
  const std::string model = test::read_file(dir + "/run/model.pt");
  r = test::run_cli(train + "--seed 7 -o " + dir + "/run", dir);
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("holds a finished run; --overwrite replaces it"), std::string::npos) << r.output;
  EXPECT_EQ(test::read_file(dir + "/run/model.pt"), model) << "the finished run was touched";
  EXPECT_TRUE(test::file_exists(dir + "/run/finished.txt"));
  r = test::run_cli(train + "--seed 7 --overwrite -o " + dir + "/run", dir);
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(test::read_file(dir + "/run/model.pt"), model);
  r = test::run_cli(train + "-o ''", dir);
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--out is empty"), std::string::npos) << r.output;
  // Resuming over changed data is refused (the run would mix two data sets).
  std::remove((dir + "/run/finished.txt").c_str());
  write_npy(dir + "/x.npy", read_npy(x).slice_frames(0, 2999));
  r = test::run_cli("train --resume " + dir + "/run", dir);
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("changed since the run started"), std::string::npos) << r.output;
  // A flag that contradicts the run's settings is refused with --resume.
  r = test::run_cli("train --resume " + dir + "/run --seed 9", dir);
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("the flags given change them"), std::string::npos) << r.output;
  r = test::run_cli("simulate --system double_well_2d --steps 100 --out-truth " + dir + "/a.npy --observe warp --out-obs " +
                        dir + "/a.npy",
                    dir);
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("name the same file"), std::string::npos) << r.output;
}

TEST(RunDirectory, InputsReadInPlaceTrainLikeCopiedOnes) {
  // A float64 input mapped into memory (--map-inputs always) trains the same
  // model, bit for bit, as the same file copied into memory (never); the
  // choice is written in config.ini only when it is not the default.
  const std::string dir = test::scratch_dir("rundir_mapped");
  write_npy(dir + "/x.npy", read_npy(kData + "three_state_transformed_traj_data200k.npy").slice_frames(0, 4000),
            NpyDtype::Float64);
  const std::string train = "train -i " + dir + "/x.npy --epochs 2 --prior-refit-steps 5 -q ";
  test::CliResult r = test::run_cli(train + "--map-inputs always -o " + dir + "/mapped", dir);
  ASSERT_EQ(r.code, 0) << r.output;
  r = test::run_cli(train + "--map-inputs never -o " + dir + "/copied", dir);
  ASSERT_EQ(r.code, 0) << r.output;
  expect_same_run(dir + "/mapped", dir + "/copied");
  EXPECT_NE(test::read_file(dir + "/mapped/config.ini").find("map_inputs = always"), std::string::npos);
  r = test::run_cli(train + "--map-inputs sometimes -o " + dir + "/bad", dir);
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("map"), std::string::npos) << r.output;
  EXPECT_FALSE(test::file_exists(dir + "/bad"));
}

TEST(RunDirectory, KilledAtRandomMomentsThenResumedEqualsTheUninterruptedRun) {
  const std::string dir = test::scratch_dir("resume_kill");
  const std::string x = small_input(dir, 20000);
  const std::string train = "train -i " + x + " --epochs 30 --prior-refit-steps 300 -q ";
  test::CliResult r = test::run_cli(train + "-o " + dir + "/whole", dir);
  ASSERT_EQ(r.code, 0) << r.output;
  // How long it takes, to kill anywhere in it.
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(test::run_cli(train + "-o " + dir + "/timing", dir).code, 0);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::mt19937 rng(17);
  std::uniform_real_distribution<double> when(0.05, 0.95);
  const std::string cut = dir + "/cut";
  // A kill before config.ini exists leaves nothing to resume: start again.
  auto next_start = [&] { return test::file_exists(cut + "/config.ini") ? "train --resume " + cut + " -q" : train + "-o " + cut; };
  pid_t pid = start_cli(next_start(), dir + "/log0.txt");
  for (int k = 0; k < 5; ++k) {
    std::this_thread::sleep_for(std::chrono::duration<double>(when(rng) * seconds * 0.4));
    ::kill(pid, SIGKILL);
    wait_for(pid);
    if (test::file_exists(cut + "/finished.txt")) break;
    pid = start_cli(next_start(), dir + "/log" + std::to_string(k + 1) + ".txt");
  }
  const int code = wait_for(pid);  // the last start runs to its end (or was killed after finishing)
  if (!test::file_exists(cut + "/finished.txt")) {
    r = test::run_cli("train --resume " + cut + " -q", dir);
    ASSERT_EQ(r.code, 0) << r.output << " (last start exited " << code << ")";
  }
  expect_same_run(dir + "/whole", cut);
  // Resuming a finished run changes nothing.
  r = test::run_cli("train --resume " + cut, dir);
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("reusing the finished run"), std::string::npos) << r.output;
}

TEST(RunDirectory, InterruptSavesConsistentlyAndSaysSo) {
  const std::string dir = test::scratch_dir("resume_sigint");
  const std::string x = small_input(dir, 20000);
  const std::string train = "train -i " + x + " --epochs 40 --prior-refit-steps 50 ";
  ASSERT_EQ(test::run_cli(train + "-q -o " + dir + "/whole", dir).code, 0);
  const pid_t pid = start_cli(train + "-o " + dir + "/cut", dir + "/log.txt");
  // Interrupt once the first checkpoint is written (after the starts).
  for (int i = 0; i < 6000 && !test::file_exists(dir + "/cut/checkpoint.pt"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid, SIGINT);
  const int code = wait_for(pid);
  const std::string log = test::read_file(dir + "/log.txt");
  if (test::file_exists(dir + "/cut/finished.txt")) GTEST_SKIP() << "training finished before the signal";
  EXPECT_EQ(code, 130) << log;
  EXPECT_NE(log.find("interrupted (signal 2) at epoch"), std::string::npos) << log;
  EXPECT_NE(log.find("continue with: dynae train --resume " + dir + "/cut"), std::string::npos) << log;
  test::CliResult r = test::run_cli("report " + dir + "/cut", dir);
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("is an unfinished run"), std::string::npos) << r.output;
  EXPECT_NE(test::read_file(dir + "/cut/report.html").find("Unfinished run"), std::string::npos);
  r = test::run_cli("train --resume " + dir + "/cut -q", dir);
  ASSERT_EQ(r.code, 0) << r.output;
  expect_same_run(dir + "/whole", dir + "/cut");
}

TEST(Checkpoint, AFailedWriteIsACleanErrorAndKeepsTheOldFile) {
  const std::string dir = test::scratch_dir("ckpt_full");
  ModelOptions o;
  at::Generator g = at::make_generator<at::CPUGeneratorImpl>(1);
  const Model m(std::make_shared<Model::Impl>(o, std::vector<int64_t>{2}, std::vector<int64_t>{2}, g));
  m.save(dir + "/model.pt");
  const std::string before = test::read_file(dir + "/model.pt");
  // A full disk: files may not grow past 4 kB (the checkpoint is larger).
  std::signal(SIGXFSZ, SIG_IGN);
  rlimit old{};
  ::getrlimit(RLIMIT_FSIZE, &old);
  rlimit small = old;
  small.rlim_cur = 4096;
  ::setrlimit(RLIMIT_FSIZE, &small);
  std::string message;
  try {
    m.save(dir + "/model.pt");
  } catch (const CheckpointError& e) {
    message = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &old);
  EXPECT_NE(message.find("cannot write the checkpoint"), std::string::npos) << message;
  EXPECT_EQ(test::read_file(dir + "/model.pt"), before);
  EXPECT_EQ(std::system(("ls " + dir + " | grep -q tmp").c_str()) != 0, true) << "a temporary file was left";
}

TEST(Checkpoint, DamagedOrNonFiniteCheckpointsAreRefused) {
  const std::string dir = test::scratch_dir("ckpt_damage");
  ModelOptions o;
  at::Generator g = at::make_generator<at::CPUGeneratorImpl>(2);
  auto impl = std::make_shared<Model::Impl>(o, std::vector<int64_t>{2}, std::vector<int64_t>{2}, g);
  const Model m(impl);
  const std::string bytes = m.to_bytes();
  const Array x({3, 2}, {0.1, 0.2, -1, 2, 3, 0.5});
  const Array z = m.encode(x);
  // Any flipped byte: the load fails, or (a byte the contents do not
  // depend on) the model is the same. Never a different model.
  std::mt19937 rng(5);
  int refused = 0;
  for (int k = 0; k < 200; ++k) {
    std::string b = bytes;
    b[std::uniform_int_distribution<size_t>(0, b.size() - 1)(rng)] ^= static_cast<char>(1 << (k % 8));
    try {
      const Model loaded = Model::from_bytes(b, "damaged");
      EXPECT_EQ(loaded.encode(x).data, z.data) << "flip " << k << " changed the model silently";
    } catch (const CheckpointError&) {
      ++refused;
    }
  }
  EXPECT_GT(refused, 100);
  // A NaN weight.
  {
    torch::NoGradGuard no_grad;
    impl->encoder->parameters()[0].view(-1).narrow(0, 0, 1).fill_(NAN);
  }
  test::write_file(dir + "/nan.pt", Model(impl).to_bytes());
  try {
    Model::load(dir + "/nan.pt");
    FAIL() << "a NaN weight loaded";
  } catch (const CheckpointError& e) {
    EXPECT_NE(std::string(e.what()).find("non-finite weights"), std::string::npos) << e.what();
  }
}

TEST(Faults, NumbersAreCheckedBeforeTheyCostAnything) {
  const std::string dir = test::scratch_dir("faults_numbers");
  // A 20-byte npy claiming 10^12 x 2 float64, and one whose shape overflows.
  write_npy_raw(dir + "/huge.npy", "<f8", false, {1000000000000, 2}, std::string(20, '\0'));
  write_npy_raw(dir + "/overflow.npy", "<f8", false, {4611686018427387904, 4}, "");
  const auto t0 = std::chrono::steady_clock::now();
  test::CliResult r = test::run_cli("train -i " + dir + "/huge.npy -o " + dir + "/o", dir);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 5.0);
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("truncated data: shape (1000000000000, 2) needs 16000000000000 bytes, the file holds 20"),
            std::string::npos)
      << r.output;
  r = test::run_cli("train -i " + dir + "/overflow.npy -o " + dir + "/o", dir);
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("more values than can be addressed"), std::string::npos) << r.output;
  test::write_file(dir + "/digits.npy", std::string("\x93NUMPY\x01\x00", 8) + std::string("\x46\x00", 2) +
                                            "{'descr': '<f8', 'fortran_order': False, 'shape': (12345678901234567890123, 2), }\n");
  r = test::run_cli("train -i " + dir + "/digits.npy -o " + dir + "/o", dir);
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_EQ(r.output.find("internal error"), std::string::npos) << r.output;
  // Absurd thread counts and sizes are refused, not clamped.
  r = test::run_cli("train -i " + dir + "/huge.npy --threads 100000 -o " + dir + "/o", dir);
  EXPECT_EQ(r.code, 2) << r.output;
  for (const std::string bad : {"double_well_2d --kT -1", "double_well_2d --kT nan", "double_well_2d --dt 0",
                                "double_well_2d --steps 0", "double_well_2d --stride 0", "double_well_2d --threads 100000",
                                "harmonic --dim 0", "harmonic --dim 100000000"}) {
    r = test::run_cli("simulate --system " + bad + " --out-truth " + dir + "/t.npy", dir);
    EXPECT_EQ(r.code, 2) << bad << ": " << r.output;
    EXPECT_FALSE(test::file_exists(dir + "/t.npy")) << bad;
  }
  r = test::run_cli("simulate --system harmonic --dim 2 --steps 100000000 --stride 1 --trajectories 100000 --out-truth " +
                        dir + "/t.npy",
                    dir);
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("more than this machine's"), std::string::npos) << r.output;
  // A potential that runs away stops with an error.
  r = test::run_cli("simulate --system expression --expr '-x^4' --dt 0.01 --steps 100000 --out-truth " + dir + "/t.npy",
                    dir);
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("ran away"), std::string::npos) << r.output;
}

TEST(Faults, ConfigFilesAreStrictAndLinesMayBeLong) {
  const std::string dir = test::scratch_dir("faults_ini");
  const std::string x = small_input(dir, 2000);
  std::string list;  // ten paths on one line: far past inih's default 200 characters
  for (int i = 0; i < 10; ++i) list += (i ? ", " : "") + x;
  test::write_file(dir + "/long.ini", "[Data]\ninput_data = [" + list + "]\n");
  ConfigSpec spec;
  read_ini_config(dir + "/long.ini", spec);
  EXPECT_EQ(spec.expand().at(0).input_paths.size(), 10u);
  test::write_file(dir + "/dup.ini", "[Training Parameters]\nbeta = 1\n\nbeta = 2\n");
  try {
    ConfigSpec s;
    read_ini_config(dir + "/dup.ini", s);
    FAIL() << "a duplicate key was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("line 4: key 'beta' appears a second time"), std::string::npos) << e.what();
  }
  test::write_file(dir + "/dupsec.ini", "[Data]\ninput_data = " + x + "\n[Training Parameters]\nbeta = 1\n[data]\n");
  try {
    ConfigSpec s;
    read_ini_config(dir + "/dupsec.ini", s);
    FAIL() << "a duplicate section was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("line 5: section [data] appears a second time"), std::string::npos) << e.what();
  }
  // A value continued on an indented line is still one value.
  test::write_file(dir + "/multi.ini", "[Data]\ninput_data = [" + x + ",\n    " + x + "]\n");
  ConfigSpec m;
  read_ini_config(dir + "/multi.ini", m);
  EXPECT_EQ(m.expand().at(0).input_paths.size(), 2u);
}

TEST(Faults, TrainingSaysWhatWentWrong) {
  const std::string dir = test::scratch_dir("faults_train");
  write_npy(dir + "/const.npy", Array::zeros({3000, 2}));
  test::CliResult r = test::run_cli("train -i " + dir + "/const.npy -o " + dir + "/c", dir);
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("every input feature is constant"), std::string::npos) << r.output;
  EXPECT_FALSE(test::file_exists(dir + "/c/config.ini")) << "a run directory for bad data";
  // Inputs near 1e30: the advice names the inputs' scale.
  Array big = read_npy(kData + "three_state_transformed_traj_data200k.npy").slice_frames(0, 3000);
  for (double& v : big.data) v *= 1e29;
  write_npy(dir + "/big.npy", big);
  r = test::run_cli("train -i " + dir + "/big.npy --epochs 2 -o " + dir + "/b", dir);
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("rescale them"), std::string::npos) << r.output;
  // No test batch: n/a, not 0.
  const std::string x = small_input(dir, 3000);
  r = test::run_cli("train -i " + x + " --epochs 1 --test-fraction 0.05 --prior-refit-steps 5 -o " + dir + "/t", dir);
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("test n/a (no test batch)"), std::string::npos) << r.output;
  r = test::run_cli("landscape -m " + dir + "/t/model.pt -i " + x + " --coords 0,0 -o " + dir + "/l", dir);
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("the same (0)"), std::string::npos) << r.output;
  r = test::run_cli("generate -m " + dir + "/t/model.pt --from " + x + " --steps 1000000000 --trajectories 100000 -o " +
                        dir + "/g",
                    dir);
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("need more than this machine's"), std::string::npos) << r.output;
  // Frames the model overflows on: no non-finite latent is written.
  write_npy(dir + "/inf.npy", Array({4, 2}, {1e300, -1e300, 1e300, 1e300, 0, 0, 1, 1}), NpyDtype::Float64);
  r = test::run_cli("encode -m " + dir + "/t/model.pt -i " + dir + "/inf.npy -o " + dir + "/z.npy", dir);
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("gives a non-finite latent for frame 0"), std::string::npos) << r.output;
  EXPECT_FALSE(test::file_exists(dir + "/z.npy"));
}

TEST(Faults, FuzzFindingsAreCleanErrors) {
  // Every input the fuzzers (fuzz/) found to crash a reader, kept as a
  // regression: each must now give a dynae::Error. Named <reader>_<what>.
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(DYNAE_TEST_DATA_DIR) + "/fuzz_findings")) {
    const std::string path = entry.path().string(), name = entry.path().filename().string();
    SCOPED_TRACE(name);
    try {
      if (name.rfind("npy_", 0) == 0) {
        read_npy(path);
      } else if (name.rfind("ini_", 0) == 0) {
        ConfigSpec spec;
        read_ini_config(path, spec);
        spec.expand();
      } else if (name.rfind("table_", 0) == 0) {
        read_columns(path);
      } else if (name.rfind("checkpoint_", 0) == 0) {
        Model::load(path);
      } else {
        ADD_FAILURE() << "no reader for " << name;
        continue;
      }
      ++checked;  // read without an error: also fine, as long as nothing else happened
    } catch (const Error&) {
      ++checked;
    }
  }
  EXPECT_GE(checked, 1);
}
