// Convolutional encoder/decoder for movies: architecture, options, save/load,
// and a short training on a rendered movie.
#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "dynae/training/estimator.h"
#include "dynae/analysis/metrics.h"
#include "dynae/config/run_settings.h"
#include "dynae/errors.h"
#include "dynae/models/model.h"
#include "dynae/runtime.h"
#include "dynae/simulate/integrator.h"
#include "dynae/simulate/movie.h"
#include "dynae/simulate/systems.h"
#include "models/model_impl.h"
#include "nn/conv_nets.h"
#include "test_util.h"

using namespace dynae;

namespace {

int64_t parameter_count(const torch::nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

ModelOptions conv_options() { return ModelOptions().set_encoder_type("conv").set_decoder_type("deconv"); }

}  // namespace

TEST(ConvNets, ShapesAndLayerCountFollowTheFrameSize) {
  for (int64_t s : {8, 16, 32, 64}) {
    ConvEncoderImpl enc({1, s, s}, 32, 2);
    DeconvDecoderImpl dec(2, 32, {1, s, s});
    const torch::Tensor x = torch::rand({5, 1, s, s});
    const torch::Tensor z = enc.forward(x);
    EXPECT_EQ(z.sizes(), (std::vector<int64_t>{5, 2})) << s;
    EXPECT_EQ(dec.forward(z).sizes(), (std::vector<int64_t>{5, 1, s, s})) << s;
    EXPECT_EQ(image_geometry({1, s, s}, "t")[2], s == 8 ? 1 : s == 16 ? 2 : s == 32 ? 3 : 4);
  }
  // (H, W) frames are one channel; several channels work too.
  EXPECT_EQ(ConvEncoderImpl({16, 16}, 32, 3).forward(torch::rand({2, 16, 16})).sizes(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(DeconvDecoderImpl(2, 32, {3, 16, 16}).forward(torch::rand({4, 2})).sizes(),
            (std::vector<int64_t>{4, 3, 16, 16}));
}

TEST(ConvNets, SixtyFourPixelNetworksHaveTheReferenceArchitecture) {
  // Encoder: convs 1->32->32->64->64 (k 4), 1x1 conv 64->2, Linear(32, 2).
  const int64_t enc = (32 * 1 * 16 + 32) + (32 * 32 * 16 + 32) + (64 * 32 * 16 + 64) + (64 * 64 * 16 + 64) +
                      (2 * 64 + 2) + (32 * 2 + 2);
  // Decoder: Linear(2, 32), Linear(32, 1024), deconvs 64->64->32->32->1 (k 4).
  const int64_t dec = (2 * 32 + 32) + (32 * 1024 + 1024) + (64 * 64 * 16 + 64) + (64 * 32 * 16 + 32) +
                      (32 * 32 * 16 + 32) + (32 * 1 * 16 + 1);
  EXPECT_EQ(parameter_count(ConvEncoderImpl({1, 64, 64}, 32, 2)), enc);
  EXPECT_EQ(parameter_count(DeconvDecoderImpl(2, 32, {1, 64, 64})), dec);
}

TEST(ConvNets, BadFramesAndWidthsAreConfigErrors) {
  EXPECT_THROW(ConvEncoderImpl({1, 30, 30}, 32, 2), ConfigError);
  EXPECT_THROW(ConvEncoderImpl({1, 32, 16}, 32, 2), ConfigError);
  EXPECT_THROW(ConvEncoderImpl({1024}, 32, 2), ConfigError);
  EXPECT_THROW(ConvEncoderImpl({1, 32, 32}, 20, 2), ConfigError);
  EXPECT_THROW(DeconvDecoderImpl(2, 32, {4}), ConfigError);
  EXPECT_THROW(conv_options().set_encoder_type("resnet").validate(), ConfigError);
}

TEST(ConvNets, ReferenceIniKeysSelectThem) {
  ConfigSpec spec;
  spec.set("input_data", "movie.npy", "test");
  spec.set("encoder_type", "conv_encoder", "test");
  spec.set("decoder_type", "deconv_decoder", "test");
  const RunSettings r = spec.expand().at(0);
  EXPECT_EQ(r.options.encoder_type, "conv");
  EXPECT_EQ(r.options.decoder_type, "deconv");
  EXPECT_NE(to_ini(r).find("encoder_type = conv_encoder"), std::string::npos);
  EXPECT_NE(to_ini(r).find("decoder_type = deconv_decoder"), std::string::npos);
  EXPECT_THROW(spec.set("encoder_type", "transformer", "test"), ConfigError);
}

TEST(ConvNets, SaveLoadGivesIdenticalEncodings) {
  const std::string dir = test::scratch_dir("conv_ckpt");
  auto gen = at::make_generator<at::CPUGeneratorImpl>(5);
  const Model m(std::make_shared<Model::Impl>(conv_options(), std::vector<int64_t>{1, 16, 16},
                                                        std::vector<int64_t>{1, 16, 16}, gen));
  m.save(dir + "/m.pt");
  const Model back = Model::load(dir + "/m.pt");
  Array x = Array::zeros({20, 1, 16, 16});
  for (size_t i = 0; i < x.data.size(); ++i) x.data[i] = std::sin(0.37 * static_cast<double>(i));
  EXPECT_EQ(back.encode(x).data, m.encode(x).data);
  EXPECT_EQ(back.reconstruct(x).data, m.reconstruct(x).data);
  EXPECT_EQ(back.reconstruct(x).shape, (std::vector<int64_t>{20, 1, 16, 16}));
  EXPECT_EQ(back.options().encoder_type, "conv");
  EXPECT_EQ(back.options().decoder_type, "deconv");
}

TEST(ConvNets, ShortTrainingOnAMovieFindsThePosition) {
  // A spot (sigma 2 px) diffusing in a 2-D double well, 16 x 16 pixels, 4000
  // frames, 20 epochs of batches of 128, 128 hidden units (about 30 s): the
  // latent is already a near-isometric copy of the spot's position. Measured:
  // seed 0 r2 0.932, disparity 0.073, anisotropy 1.16; seed 1 r2 0.960,
  // disparity 0.041, anisotropy 1.04. Collapsed (as after 6 epochs with 32
  // hidden units) r2 is below 0.1. The figures depend on the CPU (oneDNN picks
  // its convolution kernels by instruction set): on an AVX-512 CPU (AMD family
  // 26) seed 0 gave r2 0.871, disparity 0.133 (0.901 and 0.101 with
  // ONEDNN_MAX_CPU_ISA=AVX2), hence bars below every CPU's figure.
  set_num_threads(1);
  const auto pot = make_system_potential("double_well_2d");
  LangevinOptions so;
  so.dt = 1e-3;
  so.kT = 0.5;
  so.steps = 40000;
  so.stride = 10;
  so.start = {-1, 0};
  so.seed = 1;
  const Array truth = simulate_langevin(*pot, so)[0];
  MovieOptions mo;
  mo.size = 16;
  mo.radius = 2;
  const Array movie = render_movie(truth, mo);
  TrajectorySet data;
  data.add("movie", movie);
  Estimator estimator(conv_options()
                      .set_epochs(20)
                      .set_starts(1)  // the measured figures above are of one start
                      .set_seed(0)
                      .set_batch_size(128)
                      .set_min_dist(8)
                      .set_encoder_hidden(128)
                      .set_decoder_hidden(128));
  const Model model = estimator.fit(data);
  const IdentifiabilityMetrics m = compare_latents(truth, model.encode(movie));
  std::printf("conv 16x16, 4000 frames, 20 epochs: r2 %.4f disparity %.4f anisotropy %.3f\n", m.r2, m.disparity,
              m.anisotropy);
  const auto& h = estimator.history();
  EXPECT_LT(h.back().train.reconstruction, 0.25 * h.front().train.reconstruction);
  EXPECT_GT(m.r2, 0.85);
  EXPECT_LT(m.disparity, 0.15);
  EXPECT_LT(m.anisotropy, 1.5);
}
