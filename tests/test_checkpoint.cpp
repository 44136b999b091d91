#include <gtest/gtest.h>
#include <torch/torch.h>

#include <ATen/CPUGeneratorImpl.h>

#include "dynae/data/npy.h"
#include "dynae/errors.h"
#include "dynae/models/model.h"
#include "models/model_impl.h"
#include "model_compare.h"
#include "test_util.h"

using namespace dynae;

namespace {

Model untrained_model(const ModelOptions& o, uint64_t seed, std::vector<int64_t> in = {3},
                           std::vector<int64_t> out = {3}) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  auto impl = std::make_shared<Model::Impl>(o, in, out, gen);
  impl->centers = Array({2, o.latent_dim}, std::vector<double>(2 * o.latent_dim, 0.5));
  impl->epochs_trained = 7;
  return Model(impl);
}

Array random_frames(int64_t n, int64_t k, uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  const torch::Tensor t = torch::randn({n, k}, gen, torch::kFloat64);
  return Array({n, k}, std::vector<double>(t.data_ptr<double>(), t.data_ptr<double>() + n * k));
}

}  // namespace

TEST(Checkpoint, SaveLoadGivesIdenticalEncodingsAndSettings) {
  const std::string dir = test::scratch_dir("ckpt");
  for (bool learn : {false, true}) {
    const ModelOptions o = ModelOptions().set_latent_dim(2).set_encoder_hidden(8).set_learn_diffusion(learn).set_beta(3.25);
    const Model m = untrained_model(o, 42);
    m.save(dir + "/m.pt");
    const Model back = Model::load(dir + "/m.pt");
    const Array x = random_frames(50, 3, 1);
    EXPECT_EQ(back.encode(x).data, m.encode(x).data);
    const Array z = m.encode(x);
    EXPECT_EQ(back.decode(z).data, m.decode(z).data);
    EXPECT_EQ(back.force(z).data, m.force(z).data);
    EXPECT_EQ(back.diffusion(z).data, m.diffusion(z).data);
    EXPECT_EQ(back.cluster_centers().data, m.cluster_centers().data);
    EXPECT_EQ(back.options().encoder_hidden, 8);
    EXPECT_EQ(back.options().learn_diffusion, learn);
    EXPECT_DOUBLE_EQ(back.options().beta, 3.25);
    EXPECT_EQ(back.epochs_trained(), 7);
    EXPECT_EQ(back.input_frame_shape(), (std::vector<int64_t>{3}));
  }
}

TEST(Checkpoint, WidthPerLayerBuildsThoseLayersAndRoundTrips) {
  const std::string dir = test::scratch_dir("ckpt_widths");
  const ModelOptions o = ModelOptions().set_latent_dim(2).set_encoder_widths("24- 8").set_decoder_widths("5-7-9")
                             .set_activation("silu");
  EXPECT_EQ(o.encoder_hidden_widths(), (std::vector<int64_t>{24, 8}));
  EXPECT_EQ(ModelOptions().set_decoder_layers(2).set_decoder_hidden(6).decoder_hidden_widths(),
            (std::vector<int64_t>{6, 6}));
  const Model m = untrained_model(o, 3);
  std::vector<std::vector<int64_t>> shapes;
  for (const auto& p : m.impl().encoder->named_parameters()) {
    if (p.key().find("weight") != std::string::npos) shapes.push_back(p.value().sizes().vec());
  }
  for (const auto& p : m.impl().decoder->named_parameters()) {
    if (p.key().find("weight") != std::string::npos) shapes.push_back(p.value().sizes().vec());
  }
  // (out, in) per Linear: 3 -> 24 -> 8 -> 2, then 2 -> 5 -> 7 -> 9 -> 3
  const std::vector<std::vector<int64_t>> want{{24, 3}, {8, 24}, {2, 8}, {5, 2}, {7, 5}, {9, 7}, {3, 9}};
  EXPECT_EQ(shapes, want);
  m.save(dir + "/m.pt");
  const Model back = Model::load(dir + "/m.pt");
  const Array x = random_frames(40, 3, 2);
  EXPECT_EQ(back.encode(x).data, m.encode(x).data);
  EXPECT_EQ(back.decode(m.encode(x)).data, m.decode(m.encode(x)).data);
  EXPECT_EQ(back.options().encoder_widths, "24- 8");
  for (const char* bad : {"64-x", "0", "8--8", "-4", "1234567", "-", "8 8", "", "Auto", "8-"}) {
    EXPECT_THROW(
        try { ModelOptions().set_encoder_widths(bad).validate(); } catch (const ConfigError& e) {
          EXPECT_NE(std::string(e.what()).find("encoder_widths"), std::string::npos) << e.what();
          throw;
        },
        ConfigError)
        << bad;
  }
}

// Files written by earlier versions (tests/data/old_checkpoints: DynAE seed 0 on the bundled data before the
// architecture options existed, and a depth-1 ReLU net before widths per layer) load, and encode the
// bundled frames as they did when they were trained.
TEST(Checkpoint, FilesOfEarlierVersionsLoadAndEncodeAsTheyDid) {
  const Array x = read_npy(std::string(DYNAE_EXAMPLES_DIR) + "/data/three_state_transformed_traj_data200k.npy")
                      .slice_frames(0, 500);
  const std::string dir = std::string(DYNAE_TEST_DATA_DIR) + "/old_checkpoints/";
  for (const std::string name : {"before_architecture_options", "before_layer_widths"}) {
    SCOPED_TRACE(name);
    const Model m = Model::load(dir + name + ".pt");
    const Array then = read_npy(dir + name + "_latent500.npy");
    const Array now = m.encode(x);
    ASSERT_EQ(now.shape, then.shape);
    EXPECT_LT(test::max_abs_difference(now, then), 1e-4);
    // Saved again and read back: the same model
    const std::string again = test::scratch_dir("ckpt_old") + "/" + name + ".pt";
    m.save(again);
    EXPECT_EQ(Model::load(again).encode(x).data, now.data);
  }
  EXPECT_EQ(Model::load(dir + "before_layer_widths.pt").options().encoder_layers, 1);
}

TEST(Checkpoint, CorruptAndForeignFilesAreClearErrors) {
  const std::string dir = test::scratch_dir("ckpt_bad");
  test::write_file(dir + "/junk.pt", "not a checkpoint at all");
  try {
    Model::load(dir + "/junk.pt");
    FAIL() << "no error";
  } catch (const CheckpointError& e) {
    EXPECT_NE(std::string(e.what()).find("junk.pt"), std::string::npos) << e.what();
  }
  // A valid LibTorch archive that is not a dynae model.
  torch::serialize::OutputArchive ar;
  ar.write("something", torch::ones({2}));
  ar.save_to(dir + "/foreign.pt");
  EXPECT_THROW(Model::load(dir + "/foreign.pt"), CheckpointError);
  // A truncated checkpoint.
  untrained_model(ModelOptions(), 1).save(dir + "/good.pt");
  const std::string bytes = test::read_file(dir + "/good.pt");
  test::write_file(dir + "/cut.pt", bytes.substr(0, bytes.size() / 2));
  EXPECT_THROW(Model::load(dir + "/cut.pt"), CheckpointError);
  EXPECT_THROW(Model::load(dir + "/missing.pt"), CheckpointError);
}

TEST(Checkpoint, EncodeChecksFrameShape) {
  const Model m = untrained_model(ModelOptions(), 2);
  try {
    m.encode(random_frames(5, 4, 1));
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("expected frames of shape (-1, 3)"), std::string::npos) << e.what();
  }
  EXPECT_THROW(m.decode(random_frames(5, 3, 1)), DataError);
}

TEST(Checkpoint, LatentDiffusionRoundTripsAndABadOneIsRefused) {
  const std::string dir = test::scratch_dir("ckpt_diffusion");
  const ModelOptions o = ModelOptions().set_latent_dim(2).set_encoder_hidden(8);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(3);
  auto impl = std::make_shared<Model::Impl>(o, std::vector<int64_t>{3}, std::vector<int64_t>{3}, gen);
  const Model m(impl);
  m.save(dir + "/none.pt");
  EXPECT_EQ(Model::load(dir + "/none.pt").latent_diffusion().size(), 0);  // not measured: stays empty
  impl->latent_diffusion = Array({2, 2}, {0.93, 0.04, 0.04, 0.97});
  m.save(dir + "/d.pt");
  const Model back = Model::load(dir + "/d.pt");
  EXPECT_EQ(back.latent_diffusion().shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(back.latent_diffusion().data, impl->latent_diffusion.data);
  EXPECT_EQ(Model(impl->clone()).latent_diffusion().data, impl->latent_diffusion.data);
  impl->latent_diffusion = Array({2, 2}, {1.0, 2.0, 2.0, 1.0});  // symmetric, not positive definite
  m.save(dir + "/bad.pt");
  try {
    Model::load(dir + "/bad.pt");
    ADD_FAILURE() << "a checkpoint with an indefinite diffusion matrix loaded";
  } catch (const CheckpointError& e) {
    EXPECT_NE(std::string(e.what()).find("diffusion"), std::string::npos) << e.what();
  }
}
