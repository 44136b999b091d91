#include <gtest/gtest.h>

#include "dynae/config/run_settings.h"
#include "dynae/errors.h"
#include "test_util.h"

using namespace dynae;

namespace {

std::string config_error(const std::string& ini) {
  const std::string dir = test::scratch_dir("cfg_err");
  test::write_file(dir + "/c.ini", ini);
  try {
    ConfigSpec spec;
    read_ini_config(dir + "/c.ini", spec);
    spec.expand();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Config, ReadsTheReferenceFormatUnchanged) {
  ConfigSpec spec;
  read_ini_config(std::string(DYNAE_TEST_DATA_DIR) + "/reference_format.ini", spec);
  const auto runs = spec.expand();
  ASSERT_EQ(runs.size(), 3u);  // seed = [0, 1, 2]
  for (size_t i = 0; i < 3; ++i) {
    const auto& r = runs[i];
    EXPECT_EQ(r.options.seed, i);
    EXPECT_EQ(r.label, "seed=" + std::to_string(i));
    EXPECT_EQ(r.options.latent_dim, 2);
    EXPECT_EQ(r.options.encoder_hidden, 32);
    EXPECT_EQ(r.options.projections, 50);
    EXPECT_DOUBLE_EQ(r.options.min_dist, 5.0);
    EXPECT_DOUBLE_EQ(r.options.bias_factor, 2.0);
    EXPECT_EQ(r.options.batch_size, 256);
    EXPECT_EQ(r.options.epochs, 50);
    EXPECT_DOUBLE_EQ(r.options.learning_rate, 1e-3);
    EXPECT_DOUBLE_EQ(r.options.beta, 10.0);
    EXPECT_EQ(r.log_interval, 10);
    EXPECT_TRUE(r.save_traj_results);
    EXPECT_FALSE(r.save_training_progress);
    ASSERT_EQ(r.input_paths.size(), 1u);
    EXPECT_NE(r.input_paths[0].find("three_state_transformed_traj_data200k.npy"), std::string::npos);
  }
}

TEST(Config, ListsMakeOneRunPerCombinationAndPathListsAreTrajectories) {
  ConfigSpec spec;
  spec.set("input_data", "[a.npy, b.npy]", "test");
  spec.set("beta", "[0.1, 10]", "test");
  spec.set("d", "[1,2]", "test");
  spec.set("savetrajresults", "False", "test");  // keys are case-insensitive, as in configparser
  const auto runs = spec.expand();
  ASSERT_EQ(runs.size(), 4u);
  EXPECT_EQ(runs[0].input_paths, (std::vector<std::string>{"a.npy", "b.npy"}));
  EXPECT_EQ(runs[0].label, "d=1_beta=0.1");
  EXPECT_EQ(runs[3].label, "d=2_beta=10");
  EXPECT_EQ(runs[3].options.latent_dim, 2);
  EXPECT_DOUBLE_EQ(runs[3].options.beta, 10.0);
  EXPECT_FALSE(runs[0].save_traj_results);
}

TEST(Config, UnknownKeysAndMalformedValuesNameTheKey) {
  const std::string head = "[Data]\ninput_data = [x.npy]\n";
  std::string e = config_error(head + "[Training Parameters]\nbeta_typo = 3\n");
  EXPECT_NE(e.find("unknown key 'beta_typo'"), std::string::npos) << e;
  e = config_error(head + "[Training Parameters]\nbeta = ten\n");
  EXPECT_NE(e.find("beta = 'ten' is not a finite number"), std::string::npos) << e;
  e = config_error(head + "[Training Parameters]\nbatch_size = 25.5\n");
  EXPECT_NE(e.find("batch_size = '25.5' is not an integer"), std::string::npos) << e;
  e = config_error(head + "[Model Parameters]\nd = [2\n");
  EXPECT_NE(e.find("d: unbalanced brackets"), std::string::npos) << e;
  e = config_error(head + "[Model Parameters]\nbeta = 3\n");
  EXPECT_NE(e.find("'beta' belongs in section [Training Parameters]"), std::string::npos) << e;
  e = config_error(head + "[Other Controls]\nSaveTrajResults = maybe\n");
  EXPECT_NE(e.find("SaveTrajResults = 'maybe' is not a boolean"), std::string::npos) << e;
  e = config_error(head + "[Model Parameters]\nmodel = GAN\n");
  EXPECT_NE(e.find("model = 'GAN' is not supported; expected DynamicsAE, dynae, VAE"), std::string::npos) << e;
  e = config_error(head + "[Model Parameters]\nmin_dist = -1\n");
  EXPECT_NE(e.find("min_dist = -1 is invalid"), std::string::npos) << e;
  e = config_error("[Model Parameters]\nd = 2\n");
  EXPECT_NE(e.find("no input data"), std::string::npos) << e;
  e = config_error(head + "this line is not ini\n");
  EXPECT_NE(e.find("syntax error on line 3"), std::string::npos) << e;
}

TEST(Config, ResolvedIniReadsBackToTheSameSettings) {
  ConfigSpec spec;
  spec.set("input_data", "[a.npy, b.npy]", "test");
  spec.set("target_data", "[c.npy, d.npy]", "test");
  spec.set("beta", "3.5", "test");
  spec.set("lag", "4", "test");
  spec.set("learn_diffusion", "True", "test");
  spec.set("seed", "17", "test");
  const RunSettings a = spec.expand().at(0);
  const std::string dir = test::scratch_dir("cfg_rt");
  test::write_file(dir + "/r.ini", to_ini(a));
  ConfigSpec back;
  read_ini_config(dir + "/r.ini", back);
  const RunSettings b = back.expand().at(0);
  EXPECT_EQ(to_ini(b), to_ini(a));
  EXPECT_EQ(b.options.lag, 4);
  EXPECT_TRUE(b.options.learn_diffusion);
  EXPECT_EQ(b.options.seed, 17u);
  EXPECT_EQ(b.target_paths, (std::vector<std::string>{"c.npy", "d.npy"}));
}

TEST(Config, ModelKeyTakesEveryModelAndReadsBack) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"DynamicsAE", "dynae"}, {"VAE", "vae"},     {"swae", "swae"}, {"SDE-VAE", "sdevae"},
      {"sdevae", "sdevae"},    {"TAE", "tae"},     {"TICA", "tica"}};
  for (const auto& [text, canonical] : cases) {
    ConfigSpec spec;
    spec.set("input_data", "a.npy", "test");
    spec.set("model", text, "test");
    const RunSettings r = spec.expand().at(0);
    EXPECT_EQ(r.options.model, canonical) << text;
    const std::string dir = test::scratch_dir("cfg_model");
    test::write_file(dir + "/r.ini", to_ini(r));
    ConfigSpec back;
    read_ini_config(dir + "/r.ini", back);
    EXPECT_EQ(back.expand().at(0).options.model, canonical) << to_ini(r);
  }
  ConfigSpec sweep;
  sweep.set("input_data", "a.npy", "test");
  sweep.set("model", "[dynae, VAE]", "test");
  sweep.set("sdevae_nu", "0.01", "test");
  const auto runs = sweep.expand();
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[1].label, "model=VAE");
  EXPECT_DOUBLE_EQ(runs[1].options.sdevae_nu, 0.01);
  sweep.set("tica_ridge", "-1", "test");
  EXPECT_THROW(sweep.expand(), ConfigError);
}

TEST(Config, SplitList) {
  EXPECT_EQ(split_list("[a, 'b' ,\"c\"]"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(split_list("7"), (std::vector<std::string>{"7"}));
  EXPECT_EQ(split_list("0,1"), (std::vector<std::string>{"0", "1"}));
  EXPECT_THROW(split_list("[a,,b]"), ConfigError);
}
