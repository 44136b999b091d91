// The `dynae` command line, run as a user runs it.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "dynae/data/npy.h"
#include "test_util.h"

using namespace dynae;

namespace {

using Result = test::CliResult;
using test::run_cli;

}  // namespace

TEST(Cli, TrainFromReferenceIniThenEncodeAndEvaluate) {
  const std::string dir = test::scratch_dir("cli_train");
  const Array x = read_npy(kData + "three_state_transformed_traj_data200k.npy").slice_frames(0, 4000);
  write_npy(dir + "/x.npy", x, NpyDtype::Float64);
  write_npy(dir + "/truth.npy", read_npy(kData + "three_state_traj_data200k.npy").slice_frames(0, 4000));
  test::write_file(dir + "/run.ini",
                   "[Model Parameters]\nd = [2]\nencoder_type = fc_encoder\ndecoder_type = fc_decoder\n"
                   "neuron_num1 = [16]\nneuron_num2 = [16]\nmodel = DynamicsAE\nprojection_num = 50\n"
                   "min_dist = 5\nbias_factor = 2\nprior_dynamics = Langevin\n\n"
                   "[Training Parameters]\nbatch_size = 128\nmax_epochs = 3\nlr_scheduler_step_size = 100\n"
                   "lr_scheduler_gamma = 1\nlog_interval = 1\nlearning_rate = [1e-3]\nbeta = [10]\n\n"
                   "[Data]\ninput_data = [x.npy]\ntarget_data = [x.npy]\n\n"
                   "[Other Controls]\nseed = [0]\nSaveTrajResults = True\nSaveTrainingProgress = True\n");
  Result r = run_cli("train --config " + dir + "/run.ini --threads 1 --out " + dir + "/out", dir);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("epoch   3/3"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("ETA"), std::string::npos) << r.output;
  for (const char* f : {"config.ini", "model.pt", "losses.csv", "train.log", "latent_traj0.npy",
                        "reconstruction_traj0.npy", "cluster_centers.npy", "progress/epoch2_model.pt",
                        "progress/epoch3_latent_traj0.npy"}) {
    EXPECT_TRUE(test::file_exists(dir + "/out/" + f)) << f;
  }
  const Array z = read_npy(dir + "/out/latent_traj0.npy");
  EXPECT_EQ(z.shape, (std::vector<int64_t>{4000, 2}));
  EXPECT_EQ(read_npy(dir + "/out/reconstruction_traj0.npy").shape, (std::vector<int64_t>{4000, 2}));
  const std::string csv = test::read_file(dir + "/out/losses.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 4) << csv;  // header + 3 epochs
  EXPECT_NE(test::read_file(dir + "/out/config.ini").find("neuron_num1 = [16]"), std::string::npos);

  r = run_cli("encode --model " + dir + "/out/model.pt --input " + dir + "/x.npy --output " + dir + "/z.npy", dir);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(read_npy(dir + "/z.npy").data, z.data);

  r = run_cli("evaluate --latent " + dir + "/z.npy --truth " + dir + "/truth.npy", dir);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("disparity"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("anisotropy"), std::string::npos) << r.output;
  r = run_cli("evaluate --latent " + dir + "/z.npy --other " + dir + "/z.npy", dir);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("r2               1"), std::string::npos) << r.output;

  // The resolved config reads back and trains again (flags override it).
  r = run_cli("train -c " + dir + "/out/config.ini --epochs 1 --seed 0,1 -q --out " + dir + "/again", dir);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(test::file_exists(dir + "/again/seed=0/latent_traj0.npy"));
  EXPECT_TRUE(test::file_exists(dir + "/again/seed=1/latent_traj0.npy"));
}

TEST(Cli, BadInputGivesClearErrorsAndNonZeroExit) {
  const std::string dir = test::scratch_dir("cli_bad");
  std::vector<double> values(600);
  for (size_t i = 0; i < values.size(); ++i) values[i] = std::sin(0.1 * static_cast<double>(i));
  write_npy(dir + "/x.npy", Array({300, 2}, values));
  const std::string full = test::read_file(dir + "/x.npy");
  test::write_file(dir + "/cut.npy", full.substr(0, full.size() - 100));

  Result r = run_cli("train --input " + dir + "/cut.npy --out " + dir + "/o", dir);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("cut.npy': truncated data"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("Exception raised from"), std::string::npos) << r.output;

  r = run_cli("train --input " + dir + "/x.npy --beta abc", dir);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("--beta: beta = 'abc' is not a finite number"), std::string::npos) << r.output;

  test::write_file(dir + "/typo.ini", "[Training Parameters]\nbeta = 1\nbetta = 2\n");
  r = run_cli("train --config " + dir + "/typo.ini --input " + dir + "/x.npy", dir);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("unknown key 'betta'"), std::string::npos) << r.output;

  r = run_cli("train --input " + dir + "/x.npy --lag 400 --out " + dir + "/o2", dir);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("not more than the lag"), std::string::npos) << r.output;

  r = run_cli("encode --model " + dir + "/x.npy --input " + dir + "/x.npy --output " + dir + "/z.npy", dir);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("not a dynae model checkpoint"), std::string::npos) << r.output;
  EXPECT_FALSE(test::file_exists(dir + "/z.npy"));

  r = run_cli("evaluate --latent " + dir + "/x.npy --truth " + dir + "/missing.npy", dir);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("missing.npy': cannot open"), std::string::npos) << r.output;

  r = run_cli("frobnicate", dir);
  EXPECT_NE(r.code, 0);
}

TEST(Cli, SimulateWritesTruthObservationsAndMovies) {
  const std::string dir = test::scratch_dir("cli_simulate");
  Result r = run_cli("simulate --list", dir);
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.output.find("mueller_brown"), std::string::npos) << r.output;

  r = run_cli("simulate --system mueller_brown --steps 20000 --stride 10 --observe embed --obs-dim 7 --out-truth " +
                  dir + "/truth.npy --out-obs " + dir + "/obs.npy",
              dir);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("time in states: A"), std::string::npos) << r.output;
  EXPECT_EQ(read_npy(dir + "/truth.npy").shape, (std::vector<int64_t>{2000, 2}));
  EXPECT_EQ(read_npy(dir + "/obs.npy").shape, (std::vector<int64_t>{2000, 7}));

  r = run_cli("simulate --system double_well_2d --steps 1000 --trajectories 2 --observe spot --frame-size 16 "
              "--out-truth " + dir + "/dw.npy --out-obs " + dir + "/movie.npy",
              dir);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(read_npy(dir + "/movie_1.npy").shape, (std::vector<int64_t>{1000, 1, 16, 16}));
  EXPECT_EQ(read_npy(dir + "/dw_0.npy").shape, (std::vector<int64_t>{1000, 2}));

  r = run_cli("simulate --system expression --expr '(x^2-1)^2 +* y^2' --out-truth " + dir + "/e.npy", dir);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("position 11"), std::string::npos) << r.output;
  EXPECT_FALSE(test::file_exists(dir + "/e.npy"));
  r = run_cli("simulate --system double_well_2d --dt -0.1 --out-truth " + dir + "/e.npy", dir);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("--dt: '-0.1' is invalid: expected a number > 0"), std::string::npos) << r.output;
  r = run_cli("simulate --system nowhere --out-truth " + dir + "/e.npy", dir);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("system 'nowhere' is unknown"), std::string::npos) << r.output;
}

TEST(Cli, CompareTrainsEachModelPerSeedAndWritesTheTable) {
  const std::string dir = test::scratch_dir("cli_compare");
  write_npy(dir + "/x.npy", read_npy(kData + "three_state_transformed_traj_data200k.npy").slice_frames(0, 4000));
  write_npy(dir + "/t.npy", read_npy(kData + "three_state_traj_data200k.npy").slice_frames(0, 4000));
  write_npy(dir + "/short.npy", read_npy(kData + "three_state_traj_data200k.npy").slice_frames(0, 3000));
  Result r = run_cli("compare -i " + dir + "/x.npy -t " + dir + "/t.npy --models tica,tae:beta=1 --seeds 0,1 "
                     "--epochs 2 --set batch_size=128 -q -o " + dir + "/out", dir);
  ASSERT_EQ(r.code, 0) << r.output;
  const std::string md = test::read_file(dir + "/out/comparison.md");
  EXPECT_NE(md.find("| TICA | 2 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| TAE (beta=1) | 2 |"), std::string::npos) << md;
  EXPECT_NE(r.output.find("| TICA | 2 |"), std::string::npos) << r.output;
  const std::string csv = test::read_file(dir + "/out/comparison.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3) << csv;
  for (const char* f : {"tica/seed0/model.pt", "tica/seed1/tica_eigenvalues.npy", "tae_beta=1/seed1/latent_traj0.npy",
                        "summary.md", "summary.csv"}) {
    EXPECT_TRUE(test::file_exists(dir + "/out/" + f)) << f;
  }
  // TICA does not depend on the seed: its seed-to-seed disparity is 0.
  EXPECT_NE(csv.find("TICA,2,"), std::string::npos) << csv;

  r = run_cli("encode -m " + dir + "/out/tica/seed0/model.pt -i " + dir + "/x.npy -o " + dir + "/z.npy --log-variance " +
                  dir + "/lv.npy", dir);
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("is a TICA, which has no posterior variance"), std::string::npos) << r.output;
  EXPECT_FALSE(test::file_exists(dir + "/lv.npy"));

  r = run_cli("compare -i " + dir + "/x.npy -t " + dir + "/t.npy --models tica,gan -o " + dir + "/bad", dir);
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("unknown model 'gan'"), std::string::npos) << r.output;
  r = run_cli("compare -i " + dir + "/x.npy -t " + dir + "/short.npy --models tica -o " + dir + "/bad2", dir);
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("short.npy': 3000 frames, but its trajectory has 4000"), std::string::npos) << r.output;
}

TEST(Cli, LandscapeGenerateAndReportOnATrainedRun) {
  const std::string dir = test::scratch_dir("cli_report");
  write_npy(dir + "/x.npy", read_npy(kData + "three_state_transformed_traj_data200k.npy").slice_frames(0, 20000));
  write_npy(dir + "/t.npy", read_npy(kData + "three_state_traj_data200k.npy").slice_frames(0, 20000));
  Result r = run_cli("train -i " + dir + "/x.npy --truth " + dir + "/t.npy --epochs 4 --report -q -o " + dir + "/run", dir);
  ASSERT_EQ(r.code, 0) << r.output;
  const std::string html = test::read_file(dir + "/run/report.html");
  EXPECT_EQ(std::count(html.begin(), html.end(), '\n') > 20, true);
  size_t svgs = 0;
  for (size_t p = html.find("<svg"); p != std::string::npos; p = html.find("<svg", p + 1)) ++svgs;
  EXPECT_EQ(svgs, 7u)
      << "latent vs truth, free energy, Helmholtz split, generated vs encoded, implied timescales, CK test, losses";
  for (const char* s : {"Latent against the ground truth", "Free energy and metastable states", "Learned dynamics",
                        "Jensen-Shannon", "Kinetics", "Helmholtz split", "Rotational fraction", "Chapman-Kolmogorov test at lag", "VAMP-2 at lag", "Training",
                        "Configuration"}) {
    EXPECT_NE(html.find(s), std::string::npos) << s;
  }
  for (const char* f : {"free_energy.png", "losses.svg", "generated_vs_encoded.png", "latent_vs_truth.png",
                        "helmholtz.png", "landscape/helmholtz.csv", "landscape/force_div_free.npy",
                        "landscape/free_energy.npy", "landscape/force.npy", "kinetics/its.csv", "kinetics/ck.png"}) {
    EXPECT_TRUE(test::file_exists(dir + "/run/report/" + f)) << f;
  }

  r = run_cli("landscape -m " + dir + "/run/model.pt -i " + dir + "/x.npy --grid 32 -o " + dir + "/land", dir);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("basin(s) of the free energy"), std::string::npos) << r.output;
  EXPECT_EQ(read_npy(dir + "/land/free_energy.npy").shape, (std::vector<int64_t>{32, 32}));
  EXPECT_EQ(read_npy(dir + "/land/force.npy").shape, (std::vector<int64_t>{32, 32, 2}));
  EXPECT_EQ(read_npy(dir + "/land/states_traj0.npy").shape, (std::vector<int64_t>{20000}));

  r = run_cli("generate -m " + dir + "/run/model.pt --from " + dir + "/x.npy --steps 999 --trajectories 2 -o " + dir +
                  "/gen", dir);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("Jensen-Shannon divergence"), std::string::npos) << r.output;
  EXPECT_EQ(read_npy(dir + "/gen/latent_gen1.npy").shape, (std::vector<int64_t>{1000, 2}));
  EXPECT_EQ(read_npy(dir + "/gen/decoded_gen0.npy").shape, (std::vector<int64_t>{1000, 2}));
  EXPECT_TRUE(test::file_exists(dir + "/gen/generate_report.md"));

  r = run_cli("train -i " + dir + "/x.npy --model tica -q -o " + dir + "/tica", dir);
  ASSERT_EQ(r.code, 0) << r.output;
  r = run_cli("generate -m " + dir + "/tica/model.pt --from " + dir + "/x.npy --steps 10 -o " + dir + "/gen2", dir);
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("has no learned latent dynamics"), std::string::npos) << r.output;

  // The report's alignment section: a rotated, reflected, shifted and scaled copy of the run's latent is the same
  // latent (disparity 0, CKA 1); TICA's linear latent is another row.
  {
    const Array z = read_npy(dir + "/run/latent_traj0.npy");
    Array moved = z;
    const double c = std::cos(0.7), s = std::sin(0.7);
    for (int64_t t = 0; t < z.shape[0]; ++t) {
      const double a = z.data[static_cast<size_t>(2 * t)], b = z.data[static_cast<size_t>(2 * t + 1)];
      moved.data[static_cast<size_t>(2 * t)] = 2.5 * (c * a - s * b) + 3.0;
      moved.data[static_cast<size_t>(2 * t + 1)] = -2.5 * (s * a + c * b) - 1.0;  // reflected
    }
    write_npy(dir + "/moved.npy", moved);
  }
  r = run_cli("report " + dir + "/run --align " + dir + "/moved.npy " + dir + "/tica", dir);
  ASSERT_EQ(r.code, 0) << r.output;
  {
    const std::string page = test::read_file(dir + "/run/report.html");
    ASSERT_NE(page.find("Alignment with other runs"), std::string::npos);
    const size_t row = page.find("moved.npy</td><td>");
    ASSERT_NE(row, std::string::npos);
    EXPECT_EQ(page.substr(row + 18, 25), "0.0000</td><td>1.00000</t") << page.substr(row, 80);
    EXPECT_NE(page.find(dir + "/tica</td><td>"), std::string::npos);
    EXPECT_TRUE(test::file_exists(dir + "/run/report/alignment.svg"));
  }
  r = run_cli("report " + dir + "/run --align " + dir + "/nowhere.npy", dir);
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("nowhere.npy"), std::string::npos) << r.output;

  // Kinetics of the DynAE latent beside the truth's and the learned dynamics', with TICA ranked by VAMP-2.
  r = run_cli("kinetics -m " + dir + "/run/model.pt -i " + dir + "/x.npy --truth " + dir + "/t.npy --lags 10,50,100 "
              "--bootstrap 5 --vamp-model " + dir + "/tica/model.pt -o " + dir + "/kin", dir);
  ASSERT_EQ(r.code, 0) << r.output;
  for (const char* s : {"**latent**", "**truth**", "**generated**", "input features", "TICA latent"}) {
    EXPECT_NE(r.output.find(s), std::string::npos) << s << "\n" << r.output;
  }
  const std::string its = test::read_file(dir + "/kin/its.csv");
  EXPECT_EQ(its.find("nan"), std::string::npos);
  // The truth's basins: its slowest timescale at lag 100 is a few hundred frames on this data.
  std::istringstream rows(its);
  std::string row;
  double truth_t1 = 0;
  while (std::getline(rows, row)) {
    if (row.rfind("truth,100,100,1,", 0) == 0) truth_t1 = std::stod(row.substr(16));
  }
  EXPECT_GT(truth_t1, 150);
  EXPECT_LT(truth_t1, 600);
  EXPECT_EQ(read_npy(dir + "/kin/dtraj_latent0.npy").shape, (std::vector<int64_t>{20000}));

  // Given states; bad input is named.
  write_npy(dir + "/s.npy", read_npy(dir + "/kin/dtraj_truth0.npy"), NpyDtype::Int64);
  r = run_cli("kinetics --states " + dir + "/s.npy --lags 1,5 --bootstrap 0 -o " + dir + "/kin2", dir);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(test::file_exists(dir + "/kin2/msm_T_lag5.npy"));
  write_npy(dir + "/half.npy", Array({3}, {0, 0.5, 1}));
  r = run_cli("kinetics --states " + dir + "/half.npy -o " + dir + "/kin3", dir);
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("half.npy', frame 1: state 0.5"), std::string::npos) << r.output;
  r = run_cli("kinetics --states " + dir + "/s.npy --latent " + dir + "/x.npy -o " + dir + "/kin4", dir);
  EXPECT_EQ(r.code, 2) << r.output;
  r = run_cli("kinetics --states " + dir + "/s.npy --lags 0 -o " + dir + "/kin5", dir);
  EXPECT_EQ(r.code, 2) << r.output;
}

// Both published reference sample configs train unchanged, from a folder laid
// out as the reference repository (examples/ holds the config and the data),
// run from there as its users run it; flags only shorten the run.
TEST(Cli, ReferenceSampleConfigsTrainUnchanged) {
  for (const std::string version : {"v1", "v2"}) {
    const std::string dir = test::scratch_dir("cli_reference_" + version);
    ASSERT_EQ(std::system(("mkdir -p '" + dir + "/examples' && cp '" + DYNAE_TEST_DATA_DIR + "/reference/sample_config_" +
                           version + ".ini' '" + dir + "/examples/sample_config.ini' && ln -s '" + kData +
                           "three_state_transformed_traj_data200k.npy' '" + dir + "/examples/'")
                              .c_str()),
              0);
    const Result r = run_cli("train --config examples/sample_config.ini --epochs 1 --prior-refit-steps 5 "
                             "--save-traj-results False --out out -q",
                             dir, dir);
    ASSERT_EQ(r.code, 0) << version << ": " << r.output;
    const std::vector<std::string> runs =
        version == "v1" ? std::vector<std::string>{"/out/seed=0", "/out/seed=1", "/out/seed=2"}
                        : std::vector<std::string>{"/out"};
    for (const std::string& run : runs) {
      EXPECT_TRUE(test::file_exists(dir + run + "/finished.txt")) << version << run;
      EXPECT_EQ(read_npy(dir + run + "/latent_traj0.npy").shape, (std::vector<int64_t>{199999, 2})) << version << run;
    }
    if (version == "v2") {
      EXPECT_NE(test::read_file(dir + "/out/config.ini").find("sdevae_nu = 0.0065"), std::string::npos);
    }
  }
}

// A PLUMED COLVAR in, a TorchScript CV out: the features chosen by a glob are
// stored resolved, a restart is its own trajectory, --reuse sees the same run.
TEST(Cli, ColvarTrainExportAndReuse) {
  const std::string dir = test::scratch_dir("cli_colvar");
  const Array x = read_npy(kData + "three_state_transformed_traj_data200k.npy");
  std::string text = "#! FIELDS time d1 d2 opes.bias\n#! SET min_d1 -pi\n";
  char line[160];
  for (int64_t i = 0; i < 6000; ++i) {
    if (i == 4000) text += "#! FIELDS time d1 d2 opes.bias\n";  // a restart
    std::snprintf(line, sizeof line, "%.2f %.6f %.6f 0.5\n", 0.5 * (i % 4000), x.at(i, 0), x.at(i, 1));
    text += line;
  }
  test::write_file(dir + "/COLVAR", text);
  Result r = run_cli("train -i " + dir + "/COLVAR --features 'd*' --epochs 2 -q -o " + dir + "/run", dir);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(test::read_file(dir + "/run/config.ini").find("features = [d1, d2]"), std::string::npos);
  EXPECT_EQ(read_npy(dir + "/run/latent_traj1.npy").shape, (std::vector<int64_t>{2000, 2}));
  r = run_cli("train -i " + dir + "/COLVAR --features 'd*' --epochs 2 -o " + dir + "/run --reuse", dir);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("reusing the finished run"), std::string::npos) << r.output;
  r = run_cli("export -m " + dir + "/run/model.pt -o " + dir + "/cv.pt", dir);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("cv: PYTORCH_MODEL FILE=" + dir + "/cv.pt ARG=d1,d2"), std::string::npos) << r.output;
  r = run_cli("encode -m " + dir + "/run/model.pt -i " + dir + "/COLVAR -o " + dir + "/z.npy", dir);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(read_npy(dir + "/z.npy").shape, (std::vector<int64_t>{6000, 2}));
  r = run_cli("train -i " + dir + "/COLVAR --features phi -o " + dir + "/bad", dir);
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("no column named 'phi' (available: time, d1, d2, opes.bias)"), std::string::npos) << r.output;
  r = run_cli("export -m " + dir + "/run/model.pt --what free-energy -o " + dir + "/u.pt", dir);
  EXPECT_EQ(r.code, 2) << r.output;
}

TEST(Cli, DrivenSystemsAndConservativeForcesAreCheckedAndReported) {
  const std::string dir = test::scratch_dir("cli_driven");
  Result r = run_cli("simulate --system double_well_2d --steps 20000 --stride 10 --rotation 1.5 --out-truth " + dir +
                         "/t.npy",
                     dir);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("driven: + 1.5 J (x - c)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("the drift's rotational fraction"), std::string::npos) << r.output;
  r = run_cli("simulate --system double_well_1d --rotation 1 --out-truth " + dir + "/t1.npy", dir);
  EXPECT_EQ(r.code, 2) << r.output;  // a configuration error
  EXPECT_NE(r.output.find("--rotation drives 2-D systems only"), std::string::npos) << r.output;
  r = run_cli("simulate --system double_well_2d --rotation 1 --rotation-centre 1 --out-truth " + dir + "/t2.npy", dir);
  EXPECT_EQ(r.code, 2) << r.output;  // a configuration error
  EXPECT_NE(r.output.find("--rotation-centre takes 2 values"), std::string::npos) << r.output;
  r = run_cli("train -i " + dir + "/t.npy --force-field curl -o " + dir + "/bad", dir);
  EXPECT_EQ(r.code, 2) << r.output;  // a configuration error
  EXPECT_NE(r.output.find("expected free or conservative"), std::string::npos) << r.output;
  // a conservative model: its free energy exported, a free one refused with the reason
  r = run_cli("train -i " + dir + "/t.npy --force-field conservative --epochs 2 -o " + dir + "/run", dir);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("trains on the LibTorch autograd path"), std::string::npos) << r.output;
  r = run_cli("landscape -m " + dir + "/run/model.pt -i " + dir + "/t.npy -o " + dir + "/land", dir);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("RMSE"), std::string::npos) << r.output;
  EXPECT_TRUE(test::file_exists(dir + "/land/model_free_energy.npy"));
  EXPECT_TRUE(test::file_exists(dir + "/land/helmholtz.csv"));
  r = run_cli("export -m " + dir + "/run/model.pt --what free-energy -o " + dir + "/u.pt", dir);
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(test::file_exists(dir + "/u.pt"));
}
