// Every command as careful as `train`, through the command line: no output
// over an input, no file where none was asked, options checked before any
// work, lengths, memory, formats and messages (issue 41). Each refusal is
// checked for its exit code, its message, and that no file changed and none
// appeared (a snapshot of the scratch folder before and after).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "command_line.h"
#include "dynae/config/run_settings.h"
#include "dynae/data/npy.h"
#include "dynae/simulate/systems.h"
#include "test_util.h"

namespace dynae {
namespace {

namespace fs = std::filesystem;
using test::run_cli;

struct Outcome {
  int code = -1;
  double seconds = 0;
  double max_rss_mb = 0;
  std::string output;
};

/// Runs `dynae args` (split at spaces) from `dir` through the command line's
/// own entry point (cli/command_line.h) in a forked child: the same parse,
/// checks, work and exit code as the tool, without starting a process and
/// loading LibTorch per command line. Its output goes to `dir`/cli_output.txt;
/// killed after 30 s.
Outcome run_measured(const std::string& args, const std::string& dir) {
  const std::string out = dir + "/cli_output.txt";
  std::vector<std::string> words{"dynae"};
  std::istringstream in(args);
  for (std::string w; in >> w;) words.push_back(w == "''" ? std::string() : w);
  std::fflush(stdout);
  std::fflush(stderr);
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::chdir(dir.c_str()) != 0 || !std::freopen(out.c_str(), "w", stdout) || ::dup2(1, 2) < 0) ::_exit(127);
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    const int code = cli::run_command_line(static_cast<int>(words.size()), argv.data());
    std::fflush(stdout);
    std::fflush(stderr);
    ::_exit(code);
  }
  Outcome o;
  int status = 0;
  struct rusage usage {};
  while (true) {
    const pid_t done = ::wait4(pid, &status, WNOHANG, &usage);
    if (done == pid) break;
    if (std::chrono::steady_clock::now() - t0 > std::chrono::seconds(30)) {
      ::kill(pid, SIGKILL);
      ::wait4(pid, &status, 0, &usage);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  o.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  o.max_rss_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;
  o.output = test::read_file(out);
  return o;
}

/// Every file under `dir` (relative path -> bytes), but the CLI's captured output.
std::map<std::string, std::string> snapshot(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string rel = fs::relative(e.path(), dir).string();
    if (rel == "cli_output.txt") continue;
    files[rel] = e.is_regular_file() ? test::read_file(e.path().string()) : std::string("<folder>");
  }
  return files;
}

/// Runs `args` from `dir`, expects exit `code` and `message`, and that no file
/// in `dir` changed and none appeared.
void expect_refused(const std::string& args, const std::string& dir, int code, const std::string& message) {
  SCOPED_TRACE("dynae " + args);
  const auto before = snapshot(dir);
  const Outcome r = run_measured(args, dir);
  EXPECT_EQ(r.code, code) << r.output;
  EXPECT_NE(r.output.find(message), std::string::npos) << "expected '" << message << "' in:\n" << r.output;
  EXPECT_EQ(r.output.find("internal error"), std::string::npos) << r.output;
  const auto after = snapshot(dir);
  for (const auto& [name, bytes] : after) {
    const auto it = before.find(name);
    if (it == before.end()) {
      ADD_FAILURE() << "a new file appeared: " << name;
    } else if (it->second != bytes) {
      ADD_FAILURE() << "a file changed: " << name;
    }
  }
  EXPECT_EQ(before.size(), after.size()) << "a file disappeared";
}

/// A small warped double-well data set, its truth, and a short DynAE run on it.
struct Scratch {
  std::string dir;
  explicit Scratch(const std::string& name, bool with_run = true) : dir(test::scratch_dir(name)) {
    Outcome r = run_measured(
        "simulate -s double_well_2d --steps 2000 --observe warp --out-truth truth.npy --out-obs x.npy", dir);
    EXPECT_EQ(r.code, 0) << r.output;
    if (!with_run) return;
    r = run_measured("train -i x.npy --epochs 2 --starts 1 --prior-refit-steps 20 --projections 8 -q --out run", dir);
    EXPECT_EQ(r.code, 0) << r.output;
    r = run_measured("encode -m run/model.pt -i x.npy -o z.npy", dir);
    EXPECT_EQ(r.code, 0) << r.output;
  }
};

/// (phi, psi) in radians that switch basin every 250 frames.
Array angles(int64_t frames) {
  Array a = Array::zeros({frames, 2});
  for (int64_t t = 0; t < frames; ++t) {
    a.at(t, 0) = (t / 250) % 2 ? 1.0 + 0.1 * std::sin(0.37 * t) : -1.5 + 0.2 * std::sin(0.23 * t);
    a.at(t, 1) = 0.5 * std::cos(0.11 * t);
  }
  return a;
}

TEST(CliCare, EverySystemOfSimulateListRunsAThousandSteps) {
  const std::string dir = test::scratch_dir("care_systems");
  test::CliResult r = run_cli("simulate --list", dir, dir);
  ASSERT_EQ(r.code, 0) << r.output;
  for (const SystemSpec& s : list_systems()) {
    SCOPED_TRACE(s.name);
    EXPECT_NE(r.output.find(s.name + "  ("), std::string::npos) << r.output;
    if (!s.molecule.empty() && !DYNAE_WITH_OPENMM_BUILD) continue;
    const std::string extra = s.name == "expression" ? " --expr '(x^2-1)^2 + y^2'" : "";
    const test::CliResult run =
        run_cli("simulate -s " + s.name + extra + " --steps 1000 --out-truth " + s.name + ".npy", dir, dir);
    ASSERT_EQ(run.code, 0) << run.output;
    const Array truth = read_npy(dir + "/" + s.name + ".npy");
    EXPECT_EQ(truth.frames(), 1000 / s.stride);
    EXPECT_EQ(truth.shape[1], s.dim ? s.dim : (s.name == "expression" ? 2 : truth.shape[1]));
    for (double v : truth.data) ASSERT_TRUE(std::isfinite(v));
  }
}

TEST(CliCare, TransformationsWriteTheirMovesAndRefuseWhatDoesNotApply) {
  const std::string dir = test::scratch_dir("care_transformations");
  test::CliResult r = run_cli("simulate -s transformations --steps 300 --frame-size 64 --param scale=0 --seed 4 "
                              "--out-truth p.npy --out-obs m.npy --out-moves mv.npy",
                              dir, dir);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("scale 0"), std::string::npos) << r.output;
  EXPECT_EQ(read_npy(dir + "/p.npy").shape, (std::vector<int64_t>{300, 4}));
  EXPECT_EQ(read_npy(dir + "/m.npy").shape, (std::vector<int64_t>{300, 1, 64, 64}));
  const Array moves = read_npy(dir + "/mv.npy");
  ASSERT_EQ(moves.shape, (std::vector<int64_t>{299, 2}));
  for (int64_t t = 0; t < moves.frames(); ++t) EXPECT_NE(moves.at(t, 0), 3.0);  // scale left out
  expect_refused("simulate -s transformations --steps 100 --kT 2 --out-truth q.npy", dir, 2,
                 "--kT does not apply to transformations");
  expect_refused("simulate -s transformations --steps 100 --param rotate=9 --out-truth q.npy", dir, 2,
                 "the step of rotate (9 radians) is too large");
  expect_refused("simulate -s transformations --steps 100 --param shear=1 --out-truth q.npy", dir, 2,
                 "unknown --param 'shear'");
  expect_refused("simulate -s double_well_2d --steps 100 --out-truth q.npy --out-moves mv2.npy", dir, 2,
                 "--out-moves is for --system transformations");
  expect_refused("simulate -s transformations --steps 100 --out-truth q.npy --out-moves q.npy", dir, 2,
                 "name the same file");
}

TEST(CliCare, NoOutputReplacesAnInputOrAnotherOutput) {
  const Scratch s("care_loss");
  const std::string& d = s.dir;
  expect_refused("export -m run/model.pt -o run/model.pt", d, 2, "is the same file as --model");
  expect_refused("export -m run/model.pt -o ./run/../run/model.pt --overwrite", d, 2, "is the same file as --model");
  expect_refused("encode -m run/model.pt -i x.npy -o x.npy", d, 2, "is the same file as --input");
  expect_refused("encode -m run/model.pt -i x.npy -o q.npy --reconstruction ./x.npy --overwrite", d, 2,
                 "is the same file as --input");
  expect_refused("encode -m run/model.pt -i x.npy -o q.npy --reconstruction q.npy", d, 2, "name the same file");
  // An existing file is replaced only when asked.
  expect_refused("encode -m run/model.pt -i x.npy -o z.npy", d, 2, "exists; dynae replaces no file unasked");
  EXPECT_EQ(run_cli("encode -m run/model.pt -i x.npy -o z.npy --overwrite", d, d).code, 0);
  // Two outputs in one file, however the path is spelled (a symbolic link too).
  expect_refused("simulate -s double_well_2d --steps 100 --out-truth same.npy --out-obs ./same.npy", d, 2,
                 "name the same file");
  expect_refused("simulate -s double_well_2d --steps 100 --out-truth same.npy --out-obs " + d + "/same.npy", d, 2,
                 "name the same file");
  fs::create_symlink("z.npy", d + "/link.npy");
  expect_refused("simulate -s double_well_2d --steps 100 --out-truth z.npy --out-obs link.npy --overwrite", d, 2,
                 "name the same file");
  // The user's own files in a folder that holds no run, and a run's file as its input.
  fs::create_directory(d + "/mine");
  test::write_file(d + "/mine/model.pt", "my own model");
  test::write_file(d + "/mine/losses.csv", "epoch,loss\n1,0.5\n");
  expect_refused("train -i x.npy --epochs 1 -q --out mine", d, 1, "but no dynae run");
  test::write_file(d + "/mine/summary.md", "my notes\n");
  expect_refused("train -i x.npy --epochs 1 --seed 0,1 -q --out mine", d, 1, "holds 'summary.md' but no run of this sweep");
  expect_refused("train -i run/latent_traj0.npy --epochs 1 -q --out run --overwrite", d, 2,
                 "lies in the output folder --out 'run'");
  // A folder command over its own earlier output, and into a file.
  ASSERT_EQ(run_cli("landscape -m run/model.pt -i x.npy -o land", d, d).code, 0);
  expect_refused("landscape -m run/model.pt -i x.npy -o land", d, 2, "already holds");
  expect_refused("kinetics --latent z.npy --bootstrap 0 -o x.npy", d, 2, "is a file: expected a folder");
  EXPECT_EQ(run_cli("landscape -m run/model.pt -i x.npy -o land --overwrite", d, d).code, 0);
}

TEST(CliCare, NothingIsWrittenWhereNoneWasAsked) {
  const Scratch s("care_stray");
  const std::string& d = s.dir;
  write_npy(d + "/ang.npy", angles(2000));
  expect_refused("landscape -m run/model.pt -i x.npy --out ''", d, 2, "--out is empty");
  expect_refused("generate -m run/model.pt -f x.npy -n 10 --out ''", d, 2, "--out is empty");
  expect_refused("kinetics --latent z.npy --out ''", d, 2, "--out is empty");
  expect_refused("ramachandran -t ang.npy -l a=z.npy --out ''", d, 2, "--out is empty");
  expect_refused("demo --frames 2000 --epochs 1 --out ''", d, 2, "--out is empty");
  // An optional output given empty is refused, not taken as "not given".
  expect_refused("simulate -s double_well_2d --steps 100 --out-truth t.npy --out-obs ''", d, 2,
                 "--out-obs: is empty: expected a path");
  expect_refused("encode -m run/model.pt -i x.npy -o q.npy --reconstruction ''", d, 2,
                 "--reconstruction: is empty: expected a path");
  for (const char* f : {"/free_energy.npy", "/latent_gen0.npy", "/its.csv", "/ramachandran.md", "/input_subset.npy"}) {
    EXPECT_FALSE(test::file_exists(f)) << f;
  }
  // Observation options are checked before the simulation writes its truth.
  const std::string sim = "simulate -s double_well_2d --steps 100 --out-truth t.npy --out-obs o.npy ";
  expect_refused(sim + "--observe bogus", d, 2, "observation map 'bogus' is unknown");
  expect_refused(sim + "--observe embed --obs-dim 0", d, 2, "--obs-dim: '0' is invalid");
  expect_refused(sim + "--observe embed --obs-dim 1", d, 2, "at least the truth's dimension 2");
  expect_refused(sim + "--observe spot --frame-size 33", d, 2, "a power of two >= 8");
  expect_refused(sim + "--noise -1", d, 2, "--noise: '-1' is invalid");
  expect_refused(sim + "--warp 2", d, 2, "--warp applies to --observe warp");
  expect_refused(sim + "--observe spot --box 1,0,0,1", d, 2, "each minimum must be below its maximum");
  expect_refused("simulate -s double_well_2d --steps 100 --out-truth t.npy --observe warp", d, 2, "needs --out-obs");
}

TEST(CliCare, NoValueFallsBackToADefault) {
  const Scratch s("care_defaults");
  const std::string& d = s.dir;
  fs::create_directory(d + "/folder");
  const std::vector<std::tuple<std::string, std::string>> cases = {
      {"kinetics --latent z.npy --clusters 0", "--clusters: '0' is invalid: expected an integer from 2"},
      {"kinetics --latent z.npy --regspace 0", "--regspace: '0' is invalid: expected a distance > 0"},
      {"kinetics --latent z.npy --vamp-lag 0", "--vamp-lag: '0' is invalid: expected an integer from 1"},
      {"kinetics --latent z.npy --ck-lag 0", "--ck-lag: '0' is invalid"},
      {"compare -i x.npy -t truth.npy -m tica -e 0", "--epochs: '0' is invalid: expected an integer from 1"},
      {"report run --steps 0", "--steps: '0' is invalid: expected an integer from 1"},
      {"report run --steps -5", "--steps: '-5' is invalid"},
      {"demo --frames 0", "--frames: '0' is invalid: expected an integer from 10"},
      {"demo --epochs 0", "--epochs: '0' is invalid: expected an integer from 1 to 1000000"},
      {"train -i x.npy --data-parallel-shards 0", "--data-parallel-shards: '0' is invalid"},
      {"simulate -s double_well_2d --threads 0 --out-truth t.npy", "expected an integer from 1 to 1024"},
      {"generate -m run/model.pt -f x.npy -n 0", "--steps: '0' is invalid"},
      {"evaluate -l z.npy -t truth.npy --anisotropy-max 0.5", "--anisotropy-max: '0.5' is invalid"},
  };
  for (const auto& [args, message] : cases) expect_refused(args, d, 2, message);
  expect_refused("train -c folder -q", d, 2, "'folder' is a folder: expected an INI config file");
  expect_refused("train -c run -q", d, 2, "(a run's is 'run/config.ini')");
  // A bar given is checked, not ignored: --anisotropy-max 1 fails any latent.
  const test::CliResult r = run_cli("evaluate -l z.npy -t truth.npy --anisotropy-max 1", d, d);
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("misses at least one acceptance bar"), std::string::npos) << r.output;
}

TEST(CliCare, LengthsAreCheckedAgainstEachOther) {
  const Scratch s("care_lengths");
  const std::string& d = s.dir;
  const Array x = read_npy(d + "/x.npy");
  write_npy(d + "/longer.npy", Array::concat_frames({x, x}));
  write_npy(d + "/ang.npy", angles(2000));
  Array degrees = angles(2000);
  for (double& v : degrees.data) v *= 180 / M_PI;
  write_npy(d + "/degrees.npy", degrees);
  write_npy(d + "/short.npy", read_npy(d + "/z.npy").slice_frames(0, 3));
  expect_refused("kinetics --latent z.npy --bootstrap 0 --vamp-features longer.npy -o k", d, 1,
                 "4000 frames, but the analysed trajectory has 2000; expected the same frames");
  expect_refused("ramachandran -t ang.npy -l a=z.npy -l a=z.npy -o r", d, 2, "two --latent items are named 'a'");
  expect_refused("ramachandran -t degrees.npy -l a=z.npy -o r", d, 1, "expected (phi, psi) in radians");
  expect_refused("evaluate -l z.npy --other longer.npy", d, 1,
                 "--latent 'z.npy' has 2000 frames but --other 'longer.npy' has 4000");
  expect_refused("train -i x.npy --target longer.npy -q --out t", d, 1, "target has 4000 frames");
  // Three frames give no VAMP-2 score (they gave 2.0000): said, not scored.
  const test::CliResult r = run_cli("kinetics --latent short.npy --bootstrap 0 --lags 1 -o k3", d, d);
  if (r.code == 0) {
    const std::string vamp = test::read_file(d + "/k3/vamp2.csv");
    EXPECT_EQ(vamp.find("\nlatent,"), std::string::npos) << vamp;
    EXPECT_NE(r.output.find("are too few for 2 coordinates"), std::string::npos) << r.output;
  } else {
    EXPECT_EQ(r.code, 1) << r.output;
  }
  EXPECT_EQ(r.output.find("internal error"), std::string::npos) << r.output;
}

TEST(CliCare, SizesBeyondTheMachinesMemoryAreRefusedBeforeAllocation) {
  const Scratch s("care_memory", false);
  const std::string& d = s.dir;
  expect_refused("train -i x.npy --d 1024 --encoder-hidden 65536 --decoder-hidden 65536 -q --out big", d, 2,
                 "GB of memory; choose a smaller d, widths or projections");
  expect_refused("simulate -s double_well_2d --steps 100000000000 --out-truth t.npy", d, 2, "GB of memory");
  expect_refused("simulate -s double_well_2d --steps 10000000 --observe spot --frame-size 4096 --out-truth t.npy "
                 "--out-obs m.npy",
                 d, 2, "the movie's frames would need");
  expect_refused("simulate -s double_well_2d --steps 10000000 --trajectories 100000 --out-truth t.npy", d, 2,
                 "GB of memory");
  ASSERT_EQ(run_cli("train -i x.npy --epochs 2 --starts 1 --prior-refit-steps 20 -q --out run", d, d).code, 0);
  expect_refused("generate -m run/model.pt -f x.npy -n 1000000000 --trajectories 100000 -o g", d, 2,
                 "GB of memory");
  expect_refused("train -i x.npy --d 1e15 -q --out t", d, 2, "expected an integer >= 1 and <= 1024");
  expect_refused("train -i x.npy --projections 1e15 -q --out t", d, 2, "expected an integer >= 1 and <= 1e+06");
  expect_refused("report run --steps 1e12", d, 2, "--steps: '1e12' is invalid");
  // A state numbered 10^12 among three used ones: no 10^12 x 10^12 matrix.
  std::vector<double> states(1000, 0.0);
  for (size_t t = 500; t < states.size(); ++t) states[t] = 1;
  states[10] = 1e12;
  write_npy(d + "/states.npy", Array({1000}, states), NpyDtype::Int64);
  expect_refused("kinetics --states states.npy --bootstrap 0 -o k", d, 1,
                 "the trajectories use 3 distinct states: number them 0 to 2");
}

TEST(CliCare, FileFormatsAreToldApartByContent) {
  const Scratch s("care_formats", false);
  const std::string& d = s.dir;
  std::string csv = "\xEF\xBB\xBFtime,a,b\n";
  for (int t = 0; t < 600; ++t) csv += std::to_string(t) + "," + std::to_string(std::sin(0.1 * t)) + "," +
                                       std::to_string(std::cos(0.07 * t)) + "\n";
  test::write_file(d + "/bom.csv", csv);
  const test::CliResult r =
      run_cli("train -i bom.csv --epochs 1 --starts 1 --prior-refit-steps 5 -q --out bom", d, d);
  ASSERT_EQ(r.code, 0) << r.output;
  // The BOM is no part of the time column's name: time is not a feature.
  EXPECT_NE(test::read_file(d + "/bom/config.ini").find("features = [a, b]"), std::string::npos)
      << test::read_file(d + "/bom/config.ini");
  test::write_file(d + "/dup.csv", "time,a,a\n0,1,2\n1,2,3\n2,3,4\n");
  expect_refused("train -i dup.csv -q --out t", d, 1, "the header names column 'a' twice (columns 2 and 3)");
  test::write_file(d + "/dup.colvar", "#! FIELDS time d1 d1\n0 1 2\n1 2 3\n");
  expect_refused("train -i dup.colvar -q --out t", d, 1, "names column 'd1' twice");
  expect_refused("train -i x.npy --features a -q --out t", d, 2, "'x.npy' is a .npy array, whose columns have no names");
  test::write_file(d + "/data.npz", std::string("PK\x03\x04\x14\0\0\0", 8) + std::string(200, '\x01'));
  expect_refused("train -i data.npz -q --out t", d, 1, "a zip archive (.npz?); save each array with numpy.save");
  std::string noise(512, '\0');
  for (size_t i = 0; i < noise.size(); ++i) noise[i] = static_cast<char>((i * 131 + 7) % 256);
  test::write_file(d + "/noise.bin", noise);
  const test::CliResult n = run_cli("train -i noise.bin -q --out t", d, d);
  EXPECT_EQ(n.code, 1);
  EXPECT_NE(n.output.find("is neither a .npy array"), std::string::npos) << n.output;
  for (char c : n.output) EXPECT_TRUE(c == '\n' || (c >= 32 && c < 127)) << "binary bytes in the message";
  fs::create_directory(d + "/folder");
  expect_refused("train -i folder -q --out t", d, 1, "'folder' is a folder: expected a file");
  expect_refused("kinetics --latent folder -o k", d, 1, "is a folder; expected a .npy file");
}

TEST(CliCare, MessagesNameTheFileTheOptionAndWhatWasExpected) {
  const Scratch s("care_messages");
  const std::string& d = s.dir;
  Array target = read_npy(d + "/x.npy");
  target.at(5, 1) = NAN;
  write_npy(d + "/target_nan.npy", target);
  expect_refused("encode -m run -i x.npy -o q.npy", d, 1, "'run' is a folder; expected a model file (this run's model "
                                                          "is 'run/model.pt')");
  expect_refused("train -i x.npy --target target_nan.npy -q --out t", d, 1,
                 "'target_nan.npy': NaN value at frame 5 (feature 1)");
  expect_refused("evaluate -l z.npy --other target_nan.npy", d, 1, "'target_nan.npy': NaN value at frame 5");
  expect_refused("export -m run/model.pt -o nowhere/cv.pt", d, 2, "the folder 'nowhere' does not exist");
  expect_refused("export -m run/model.pt -o x.npy/cv.pt", d, 2, "'x.npy' is a file, not a folder");
  expect_refused("encode -m run/model.pt -i x.npy -o newdir/", d, 2, "is a folder: expected a file name");
  expect_refused("export -m run/model.pt -o run", d, 2, "'run' is a folder: expected a file name");
  expect_refused("export -m run/model.pt -o cv.pt --label ''", d, 2, "is not a PLUMED label");
  expect_refused("export -m run/model.pt -o cv.pt --label 1cv", d, 2, "is not a PLUMED label");
  expect_refused("export -m run/model.pt -o cv.pt --label cv.x", d, 2, "is not a PLUMED label");
  if (::geteuid() != 0) {  // root writes anywhere
    fs::create_directory(d + "/locked");
    fs::permissions(d + "/locked", fs::perms::owner_read | fs::perms::owner_exec);
    expect_refused("export -m run/model.pt -o locked/cv.pt", d, 2, "the folder 'locked' is not writable");
  }
  // Frames of another width than the model's: the file is named, with both shapes.
  Array wide = Array::zeros({60, 3});
  for (int64_t t = 0; t < 60; ++t) {
    for (int64_t k = 0; k < 3; ++k) wide.at(t, k) = std::sin(0.3 * static_cast<double>(t * (k + 1)));
  }
  write_npy(d + "/wide.npy", wide);
  for (const char* cmd : {"encode -m run/model.pt -i wide.npy -o w.npy", "landscape -m run/model.pt -i wide.npy -o l",
                          "kinetics -m run/model.pt -i wide.npy -o k", "generate -m run/model.pt --from wide.npy -n 10 -o g"}) {
    expect_refused(cmd, d, 1, "'wide.npy': frames of shape (3,) (60 frames); the model takes frames of shape (2,) (those it was trained on)");
  }
  // A model and seed asked twice: refused before any training.
  expect_refused("compare -i x.npy -t truth.npy -m tica,tica -s 0 -o cmp", d, 2, "the run tica/seed0 is asked twice");
  expect_refused("compare -i x.npy -t truth.npy -m tica -s 1,1 -o cmp", d, 2, "is asked twice");
  expect_refused("bogus --out o", d, 2, "'bogus' is not a dynae command; expected one of train, encode");
  // A CLI value error says the option, the value and the real limit.
  expect_refused("simulate -s double_well_2d --threads 0 --out-truth t.npy", d, 2,
                 "--threads: '0' is invalid: expected an integer from 1 to 1024");
}

// ---------------------------------------------------------------------------
// Every numeric option of every subcommand, read from the commands' own
// declarations (`dynae CMD --help` lists each with its type; train's model
// and training options come from run_option_table()), given 0, -1, NaN and
// 10^15: a clear error or a correct result, within 5 s and 500 MB.

/// The numeric options `dynae cmd --help` lists ("--grid INT", "--box FLOAT ...").
std::vector<std::string> numeric_flags(const std::string& cmd, const std::string& dir) {
  const test::CliResult help = run_cli(cmd + " --help", dir, dir);
  EXPECT_EQ(help.code, 0) << help.output;
  std::vector<std::string> flags;
  const std::regex line(R"(^\s+(?:-\w,)?(--[\w-]+)(?:,-\w)?\s+(INT|UINT|FLOAT)\b)");
  std::istringstream in(help.output);
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    if (std::regex_search(l, m, line)) flags.push_back(m[1]);
  }
  return flags;
}

struct SweepCase {
  std::string command;
  /// The command line the option is added to: {OUT} is a fresh output name.
  std::string base;
  /// Options that need another setting to apply (an observation map, a molecule).
  std::map<std::string, std::string> context;
};

void PrintTo(const SweepCase& c, std::ostream* os) { *os << c.command; }

class OptionSweep : public testing::TestWithParam<SweepCase> {};

TEST_P(OptionSweep, EveryNumericOptionGivenZeroMinusOneNanOrHugeEndsClearlyAndSoon) {
  const SweepCase& c = GetParam();
  const Scratch s("care_sweep_" + c.command);
  const std::string& d = s.dir;
  write_npy(d + "/ang.npy", angles(2000));
  {
    // A walk whose steps have variance 2 per coordinate: it meets every bar of evaluate.
    Array walk = Array::zeros({2000, 2});
    for (int64_t t = 1; t < 2000; ++t) {
      for (int64_t j = 0; j < 2; ++j) walk.at(t, j) = walk.at(t - 1, j) + std::sqrt(6.0) * std::sin(1.7 * t + 2.3 * j + 0.01 * t * t);
    }
    write_npy(d + "/walk.npy", walk);
  }
  std::vector<std::string> flags = numeric_flags(c.command, d);
  if (c.command == "train") {  // the model and training options: TEXT flags (sweeps), numbers underneath
    for (const auto& o : run_option_table()) {
      const OptionType t = o.info.type;
      if (!o.info.flag.empty() && (t == OptionType::Int || t == OptionType::UInt || t == OptionType::Float)) {
        flags.push_back("--" + o.info.flag);
      }
    }
  }
  ASSERT_GE(flags.size(), 1u);
  int n = 0;
  std::map<int, int> codes;
  for (const std::string& flag : flags) {
    for (const char* value : {"0", "-1", "nan", "1e15"}) {
      const std::string out = "o" + std::to_string(n++);
      std::string base = std::regex_replace(c.base, std::regex("\\{OUT\\}"), out);
      // The swept flag replaces the base's own value of it.
      base = std::regex_replace(base, std::regex("(^| )" + flag + " [^ ]+"), "$1");
      // A context adds settings, or ('=' first) replaces the base command line.
      const auto ctx = c.context.find(flag);
      std::string extra = ctx == c.context.end() ? "" : ctx->second;
      if (!extra.empty() && extra[0] == '=') {
        base = std::regex_replace(extra.substr(1), std::regex("\\{OUT\\}"), out);
        extra.clear();
      }
      const std::string args = c.command + " " + base + " " + extra + " " + flag + " " + value;
      SCOPED_TRACE("dynae " + args);
      const Outcome o = run_measured(args, d);
      ++codes[o.code];
      EXPECT_TRUE(o.code == 0 || o.code == 1 || o.code == 2) << "exit " << o.code << "\n" << o.output;
      EXPECT_LE(o.seconds, 5.0) << o.output;
      EXPECT_LE(o.max_rss_mb, 500.0) << o.output;
      EXPECT_EQ(o.output.find("internal error"), std::string::npos) << o.output;
      EXPECT_EQ(o.output.find("Exception raised from"), std::string::npos) << o.output;
      if (o.code != 0) {
        // A clear error: dynae's own message, naming the option or the value's meaning.
        EXPECT_NE(o.output.find("dynae"), std::string::npos) << o.output;
      }
      if (std::string(value) == "nan") {
        EXPECT_NE(o.code, 0) << "NaN accepted for " << flag << "\n" << o.output;
      }
    }
  }
  std::printf("dynae %s: %zu numeric options, %d command lines: %d ran (exit 0), %d refused (exit 2), %d stopped with an "
              "error (exit 1)\n",
              c.command.c_str(), flags.size(), n, codes[0], codes[2], codes[1]);
  // The base command line itself works: some values run to a result.
  EXPECT_GT(codes[0], 0);
}

INSTANTIATE_TEST_SUITE_P(
    Commands, OptionSweep,
    testing::Values(
        SweepCase{"train", "-i x.npy --epochs 2 --starts 1 --prior-refit-steps 20 --projections 8 -q --out {OUT}", {}},
        SweepCase{"encode", "-m run/model.pt -i x.npy -o {OUT}.npy", {}},
        SweepCase{"evaluate", "-l walk.npy --other walk.npy", {}},
        SweepCase{"demo", "--frames 1000 --epochs 1 --out {OUT}", {}},
        SweepCase{"simulate",
                  "-s double_well_2d --steps 1000 --out-truth {OUT}.npy --out-obs {OUT}_obs.npy",
                  {{"--obs-dim", "--observe embed"},
                   {"--nonlinearity", "--observe embed"},
                   {"--warp", "--observe warp"},
                   {"--shear", "--observe warp"},
                   {"--frame-size", "--observe spot"},
                   {"--radius", "--observe spot"},
                   {"--box", "--observe spot"},
                   {"--radius-range", "--observe spot"},
                   {"--rotation-centre", "--rotation 1"},
                   {"--temperature", "=-s alanine_dipeptide --steps 200 --out-truth {OUT}.npy"},
                   {"--friction", "=-s alanine_dipeptide --steps 200 --out-truth {OUT}.npy"},
                   {"--equilibration", "=-s alanine_dipeptide --steps 200 --out-truth {OUT}.npy"}}},
        SweepCase{"compare", "-i x.npy -t truth.npy -m tica -s 0 -q -o {OUT}", {}},
        SweepCase{"landscape", "-m run/model.pt -i x.npy -o {OUT}", {}},
        SweepCase{"generate", "-m run/model.pt -f x.npy -n 100 -o {OUT}", {}},
        SweepCase{"report", "run --steps 100 --kinetics-bootstrap 0", {}},
        SweepCase{"kinetics", "--latent z.npy --bootstrap 0 -o {OUT}", {}},
        SweepCase{"ramachandran", "-t ang.npy -l a=z.npy -o {OUT}", {}}),
    [](const testing::TestParamInfo<SweepCase>& info) { return info.param.command; });

}  // namespace
}  // namespace dynae
