#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "dynae/config/option_reference.h"
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

// Both published versions of the reference's examples/sample_config.ini
// (tests/data/reference) read unchanged; the second has the SDE-VAE's `nu`.
TEST(Config, BothPublishedReferenceSampleConfigsReadUnchanged) {
  const std::string ref = std::string(DYNAE_TEST_DATA_DIR) + "/reference/";
  ConfigSpec v1, v2;
  read_ini_config(ref + "sample_config_v1.ini", v1);
  read_ini_config(ref + "sample_config_v2.ini", v2);
  const auto runs1 = v1.expand(), runs2 = v2.expand();
  ASSERT_EQ(runs1.size(), 3u);  // seed = [0, 1, 2]
  ASSERT_EQ(runs2.size(), 1u);  // seed = [0]
  for (const auto* r : {&runs1[2], &runs2[0]}) {
    EXPECT_EQ(r->options.model, "dynae");
    EXPECT_EQ(r->options.latent_dim, 2);
    EXPECT_EQ(r->options.encoder_hidden, 32);
    EXPECT_EQ(r->options.projections, 50);
    EXPECT_EQ(r->options.epochs, 50);
    EXPECT_DOUBLE_EQ(r->options.beta, 10.0);
    EXPECT_EQ(r->input_paths, (std::vector<std::string>{"examples/three_state_transformed_traj_data200k.npy"}));
  }
  EXPECT_EQ(runs1[2].options.seed, 2u);
  EXPECT_DOUBLE_EQ(runs2[0].options.sdevae_nu, 0.0065);
  // `nu` is the reference name of sdevae_nu: either key sets it, and a
  // resolved config.ini (which writes sdevae_nu) reads back the same.
  ConfigSpec spec;
  spec.set("input_data", "[a.npy]", "test");
  spec.set("NU", "0.02", "test");
  EXPECT_DOUBLE_EQ(spec.expand()[0].options.sdevae_nu, 0.02);
  spec.set("sdevae_nu", "0.03", "test");
  EXPECT_DOUBLE_EQ(spec.expand()[0].options.sdevae_nu, 0.03);
  EXPECT_EQ(ConfigSpec::section_of("nu"), "Model Parameters");
}

// Every key the reference's own parser (main.py's configparser reads) takes,
// in its section, and every model name it compares against.
TEST(Config, EveryKeyTheReferenceParserReadsIsAccepted) {
  const std::vector<std::pair<const char*, const char*>> reference_keys = {
      {"Model Parameters", "d"},
      {"Model Parameters", "encoder_type"},
      {"Model Parameters", "decoder_type"},
      {"Model Parameters", "neuron_num1"},
      {"Model Parameters", "neuron_num2"},
      {"Model Parameters", "model"},
      {"Model Parameters", "projection_num"},
      {"Model Parameters", "min_dist"},
      {"Model Parameters", "bias_factor"},
      {"Model Parameters", "prior_dynamics"},
      {"Model Parameters", "nu"},
      {"Training Parameters", "batch_size"},
      {"Training Parameters", "max_epochs"},
      {"Training Parameters", "log_interval"},
      {"Training Parameters", "lr_scheduler_step_size"},
      {"Training Parameters", "lr_scheduler_gamma"},
      {"Training Parameters", "learning_rate"},
      {"Training Parameters", "beta"},
      {"Data", "input_data"},
      {"Data", "target_data"},
      {"Other Controls", "seed"},
      {"Other Controls", "SaveTrajResults"},
      {"Other Controls", "SaveTrainingProgress"},
  };
  for (const auto& [section, key] : reference_keys) {
    EXPECT_TRUE(ConfigSpec::is_known(key)) << key;
    EXPECT_EQ(ConfigSpec::section_of(key), section) << key;
  }
  for (const char* model : {"DynamicsAE", "SDEVAE", "SWAE", "VAE"}) {
    ConfigSpec spec;
    spec.set("input_data", "[a.npy]", "test");
    spec.set("model", model, "test");
    EXPECT_NO_THROW(spec.expand()) << model;
  }
}

// The options table drives the INI writer, the checkpoint and validation:
// every option reads back from config.ini, and bad values name the key.
TEST(Config, EveryOptionIsDeclaredOnceAndRoundTrips) {
  RunSettings s;
  s.input_paths = {"a.npy"};
  s.options.set_model("sdevae").set_latent_dim(3).set_sdevae_nu(0.125).set_fused_kernels(false).set_warmup_beta_factor(0.5)
      .set_warmup_learning_rate(2e-4).set_seed(7).set_encoder_type("conv").set_decoder_type("deconv");
  s.threads = 2;
  s.log_interval = 3;
  const std::string dir = test::scratch_dir("cfg_round");
  test::write_file(dir + "/c.ini", to_ini(s));
  ConfigSpec spec;
  read_ini_config(dir + "/c.ini", spec);
  const RunSettings back = spec.expand().at(0);
  for (const auto& option : run_option_table()) EXPECT_EQ(option.get(back), option.get(s)) << option.info.key;
  // Keys, flags and checkpoint names are unique.
  std::set<std::string> keys, flags, names;
  for (const auto& option : run_option_table()) {
    EXPECT_TRUE(keys.insert(option.info.key).second) << option.info.key;
    for (const auto& a : option.info.aliases) EXPECT_TRUE(keys.insert(a).second) << a;
    if (!option.info.flag.empty()) EXPECT_TRUE(flags.insert(option.info.flag).second) << option.info.flag;
    EXPECT_TRUE(names.insert(option.info.name).second) << option.info.name;
    EXPECT_FALSE(option.info.help.empty()) << option.info.key;
  }
  EXPECT_THROW(ModelOptions().set_max_centers(256).validate(), ConfigError);
  EXPECT_THROW(ModelOptions().set_encoder_type("lstm").validate(), ConfigError);
  EXPECT_THROW(ModelOptions().set_model("gan").validate(), ConfigError);
  EXPECT_NE(config_error("[Other Controls]\nthreads = -1\n[Data]\ninput_data = [a.npy]\n").find("threads = -1 is invalid"),
            std::string::npos);
}

// Paths given item by item (repeated --input flags) are taken as they are:
// a comma or a quote in a file name is part of it.
TEST(Config, PathItemsKeepCommasAndQuotes) {
  ConfigSpec spec;
  spec.set("input_data", std::vector<std::string>{"runs/a,b.npy", "it's.npy"}, "--input");
  const auto runs = spec.expand();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].input_paths, (std::vector<std::string>{"runs/a,b.npy", "it's.npy"}));
}

// The checked-in option page is what the options table generates (rewrite it
// with `cmake --build build --target option_reference`).
TEST(OptionReference, PageMatchesTheTable) {
  std::ifstream in(std::string(DYNAE_DOCS_DIR) + "/options.md", std::ios::binary);
  ASSERT_TRUE(in) << "docs/options.md is missing: cmake --build build --target option_reference";
  std::ostringstream page;
  page << in.rdbuf();
  EXPECT_TRUE(page.str() == dynae::option_reference_markdown())
      << "docs/options.md differs from the options table: cmake --build build --target option_reference";
}

TEST(OptionReference, EveryOptionHasARowWithItsDefaultAndRange) {
  const std::string page = dynae::option_reference_markdown();
  for (const auto& option : dynae::run_option_table()) {
    EXPECT_NE(page.find("| `" + option.info.key + "`"), std::string::npos) << option.info.key;
    if (!option.info.flag.empty()) EXPECT_NE(page.find("`--" + option.info.flag + "`"), std::string::npos);
  }
  // Known rows: the latent dimension and the batch size with their defaults and ranges
  EXPECT_NE(page.find("| `d` (latent_dim)"), std::string::npos);
  EXPECT_NE(page.find("| `batch_size` | `--batch-size` | `batch_size` | `256` | an integer >= 2 and <= 1e+08 |"), std::string::npos)
      << page.substr(0, 2000);
}
