// The fused implementation of a training step: the vector-data DynAE with
// fixed diffusion through hand-written kernels (training/fused_dynae_step.h),
// bound to the model's own weight tensors, which the kernels read and update
// in place (so save, encode and clone need no copying back).
#include <ATen/CPUGeneratorImpl.h>

#include <optional>
#include <sstream>

#include "cpu/phase_clock.h"
#include "cpu/thread_team.h"
#include "data/frame_rows.h"
#include "dynae/errors.h"
#include "dynae/models/model_kind.h"
#include "dynae/runtime.h"
#include "losses/sliced_wasserstein.h"
#include "models/model_impl.h"
#include "nn/mlp.h"
#include "training/data_parallel_step.h"
#include "training/fused_binding.h"
#include "training/fused_dynae_step.h"
#include "training/train_step.h"

namespace dynae {
namespace {

/// The kernels for `model` (one thread: a step's workers each run their own),
/// with gradient buffers of their own; nullptr when the fused path does not apply.
std::unique_ptr<FusedDynAEStep> bind_kernels(Model::Impl& model) {
  const ModelOptions& options = model.options;
  if (!options.fused_kernels || !model_kind(options.model).fused_kernels || options.learn_diffusion || !model.prior ||
      options.conservative_force()) {
    return nullptr;
  }
  const auto* encoder = dynamic_cast<const MlpImpl*>(model.encoder.get());
  const auto* decoder = dynamic_cast<const MlpImpl*>(model.decoder.get());
  const MlpImpl* force = model.prior->force_net().get();
  if (!encoder || !decoder || !force) return nullptr;
  std::vector<FlatAdam::Segment> autoencoder, prior;
  if (!collect_mlp_parameters(*encoder, autoencoder)) return nullptr;
  const size_t decoder_first = autoencoder.size();
  if (!collect_mlp_parameters(*decoder, autoencoder) || !collect_mlp_parameters(*force, prior)) return nullptr;
  FlatAdam autoencoder_optimizer(autoencoder, options.warmup_learning_rate);
  FlatAdam prior_optimizer(prior, options.learning_rate);
  // Gradient pointers stay valid when the optimizers are moved (vector moves
  // keep their buffers).
  FusedMlp fused_encoder = bind_fused_mlp(*encoder, autoencoder_optimizer, 0);
  FusedMlp fused_decoder = bind_fused_mlp(*decoder, autoencoder_optimizer, decoder_first);
  FusedMlp fused_force = bind_fused_mlp(*force, prior_optimizer, 0);
  return std::make_unique<FusedDynAEStep>(std::move(fused_encoder), std::move(fused_decoder), std::move(fused_force),
                                          std::move(autoencoder_optimizer), std::move(prior_optimizer),
                                          model.prior->substeps(), LangevinPriorImpl::kScoreSamples);
}

/// The pairs of one rank's shard of a batch (the smallest shard).
int64_t shard_pairs(const ModelOptions& options, const DataParallel& parallel) {
  return std::max<int64_t>(1, options.batch_size / std::max<int64_t>(1, parallel.shards));
}

/// The step's workers: batch_pieces for the pairs of one rank's shard, at
/// most one per pair.
int workers_for(const ModelOptions& options, const DataParallel& parallel) {
  const int64_t pairs = shard_pairs(options, parallel);
  return static_cast<int>(std::max<int64_t>(1, std::min(batch_pieces(pairs), pairs)));
}

torch::Tensor float_tensor(const std::vector<float>& v) {
  return torch::from_blob(const_cast<float*>(v.data()), {static_cast<int64_t>(v.size())}, torch::kFloat32).clone();
}

void write(torch::serialize::OutputArchive& ar, const std::string& name, const FlatAdam::State& s) {
  ar.write(name + "_m", float_tensor(s.m));
  ar.write(name + "_v", float_tensor(s.v));
  ar.write(name + "_steps", c10::IValue(s.steps));
  ar.write(name + "_lr", c10::IValue(s.learning_rate));
}

FlatAdam::State read(torch::serialize::InputArchive& ar, const std::string& name) {
  FlatAdam::State s;
  torch::Tensor m, v;
  c10::IValue steps, lr;
  ar.read(name + "_m", m);
  ar.read(name + "_v", v);
  ar.read(name + "_steps", steps);
  ar.read(name + "_lr", lr);
  m = m.to(torch::kFloat32).contiguous();
  v = v.to(torch::kFloat32).contiguous();
  s.m.assign(m.data_ptr<float>(), m.data_ptr<float>() + m.numel());
  s.v.assign(v.data_ptr<float>(), v.data_ptr<float>() + v.numel());
  s.steps = steps.toInt();
  s.learning_rate = lr.toDouble();
  return s;
}

/// A worker of the step: the kernels (own activations and gradient buffers,
/// shared weights) and the buffers of the batch piece it computes.
struct FusedWorker {
  std::unique_ptr<FusedDynAEStep> kernels;
  std::vector<float> input_rows, target_rows, encode_input;
  torch::Tensor noise, raw_directions, direction_norms, directions;  // float32, kept between steps
};

class FusedStep : public TrainStep, private ShardedComputation {
 public:
  /// `kernels`: one per worker (piece of each batch), computed on `threads`
  /// threads at most; worker 0's optimizers update the weights.
  FusedStep(const StepContext& c, std::vector<std::unique_ptr<FusedDynAEStep>> kernels, int threads)
      : options_(c.model.options),
        inputs_(c.inputs),
        targets_(c.targets),
        generator_(c.generator),
        workers_(kernels.size()),
        parallel_(c.parallel, c.generator, static_cast<int>(kernels.size()), threads) {
    for (size_t w = 0; w < kernels.size(); ++w) workers_[w].kernels = std::move(kernels[w]);
  }

  void set_learning_rate(double lr, bool restart) override {
    if (restart) main().autoencoder_optimizer().reset();
    main().autoencoder_optimizer().set_learning_rate(lr);
  }

  StepLosses train(const PairRefs& batch, double beta) override { return parallel_.train(batch, beta, *this); }
  StepLosses evaluate_batches(int64_t count, const std::function<PairRefs(int64_t)>& batch, double beta) override {
    return parallel_.evaluate(count, batch, beta, *this);
  }

  /// Rows split between the threads, each on its worker's kernels (each
  /// row's latent does not depend on the split).
  void encode(const int64_t* frames, int64_t n, int64_t shift, float* z) override {
    ThreadTeam& team = parallel_.team();
    const int64_t d = options_.latent_dim;
    team.run([&](int t) {
      const auto [begin, end] = team.share(n, t);
      if (end == begin) return;
      FusedWorker& w = workers_[static_cast<size_t>(t)];
      w.encode_input.resize(static_cast<size_t>((end - begin) * inputs_.width()));
      inputs_.gather(frames + begin, end - begin, shift, w.encode_input.data());
      w.kernels->encode(w.encode_input.data(), end - begin, z + begin * d);
    });
  }

  bool has_own_prior() const override { return true; }

  std::string save_state() const override {
    torch::serialize::OutputArchive ar;
    write(ar, "autoencoder", main().autoencoder_optimizer().state());
    write(ar, "prior", main().prior_optimizer().state());
    std::ostringstream out;
    ar.save_to(out);
    return out.str();
  }

  void load_state(const std::string& bytes) override {
    try {
      torch::serialize::InputArchive ar;
      std::istringstream in(bytes);
      ar.load_from(in);
      main().autoencoder_optimizer().set_state(read(ar, "autoencoder"));
      main().prior_optimizer().set_state(read(ar, "prior"));
    } catch (const c10::Error& e) {
      throw CheckpointError(std::string("the optimizer state does not fit the model: ") + e.what_without_backtrace());
    } catch (const CheckpointError&) {
      throw;
    } catch (const Error& e) {
      throw CheckpointError(std::string("the optimizer state does not fit the model: ") + e.what());
    }
  }
  void begin_prior_refit() override { main().prior_optimizer().reset(); }
  void prior_substeps_changed(int64_t substeps) override {
    for (FusedWorker& w : workers_) w.kernels->set_substeps(substeps);
  }

  /// On worker 0, whole (every rank of a data-parallel training refits the
  /// same prior to the same latents), its kernels split between the workers'
  /// threads (the same bits for any number).
  double refit_prior_step(const float* z0, const float* z1, int64_t n, double lr) override {
    main().prior_optimizer().set_learning_rate(lr);
    const torch::Tensor noise = score_noise(n, generator_);
    struct Lent {
      FusedDynAEStep& k;
      ~Lent() { k.set_team(nullptr); }
    } lent{main()};
    main().set_team(&parallel_.team());
    return main().prior_step(z0, z1, n, true, noise.defined() ? noise.data_ptr<float>() : nullptr);
  }

  /// The kernels use no BLAS (cpu/small_gemm.h) and run on the workers'
  /// threads; OpenBLAS's pool stays idle at one thread.
  int blas_threads() const override { return 1; }
  int torch_threads() const override { return 1; }

 private:
  FusedDynAEStep& main() { return *workers_[0].kernels; }
  const FusedDynAEStep& main() const { return *workers_[0].kernels; }

  /// The batch's rows x_t then x_{t+lag} (2 n rows) of `source` into `out`.
  void gather_pairs(const FrameRows& source, const PairRefs& batch, std::vector<float>& out) const {
    const int64_t n = batch.count;
    out.resize(static_cast<size_t>(2 * n * source.width()));
    source.gather(batch.first_frames, n, 0, out.data());
    source.gather(batch.first_frames, n, options_.lag, out.data() + n * source.width());
  }

  /// The energy score's draws for n pairs (substeps > 1), as
  /// LangevinPriorImpl::energy_score draws them; undefined otherwise.
  torch::Tensor score_noise(int64_t n, at::Generator& gen) const {
    const int64_t substeps = main().substeps();
    if (substeps == 1) return {};
    return torch::randn({substeps, main().score_samples() * n, options_.latent_dim}, gen, torch::kFloat32);
  }

  void gradient_spans(int worker, std::vector<GradientSpan>& out) override {
    FusedDynAEStep& k = *workers_[static_cast<size_t>(worker)].kernels;
    for (FlatAdam* o : {&k.autoencoder_optimizer(), &k.prior_optimizer()}) out.push_back({o->gradient(), o->size()});
  }
  void apply_gradients() override { main().step(); }

  /// Draws the prior noise, then the directions, then the energy score's
  /// noise from the generator exactly as the DynAE objective and its prior
  /// loss do, so both steps consume it identically.
  StepLosses compute(int worker, const PairRefs& batch, double beta, at::Generator& gen, bool train) override {
    FusedWorker& w = workers_[static_cast<size_t>(worker)];
    const int64_t n = batch.count;
    std::optional<PhaseScope> phase(std::in_place, Phase::batch);
    gather_pairs(inputs_, batch, w.input_rows);
    const float* targets = w.input_rows.data();
    if (!targets_.same_as(inputs_)) {
      gather_pairs(targets_, batch, w.target_rows);
      targets = w.target_rows.data();
    }
    phase.emplace(Phase::draws);
    // The draws of the LibTorch path (randn, random_directions), into
    // tensors kept between steps
    const int64_t substeps = w.kernels->substeps(), d = options_.latent_dim, L = options_.projections;
    const int64_t shape[3] = {substeps, n, d};
    const at::IntArrayRef noise_shape = substeps == 1 ? at::IntArrayRef(shape + 1, 2) : at::IntArrayRef(shape, 3);
    if (!w.noise.defined() || w.noise.sizes() != noise_shape) w.noise = torch::empty(noise_shape, torch::kFloat32);
    w.noise.normal_(0.0, 1.0, gen);
    if (!w.directions.defined()) {
      w.raw_directions = torch::empty({L, d}, torch::kFloat32);
      w.direction_norms = torch::empty({L, 1}, torch::kFloat32);
      w.directions = torch::empty({L, d}, torch::kFloat32);
    }
    random_directions(gen, w.raw_directions, w.direction_norms, w.directions);
    const torch::Tensor scores = score_noise(n, gen);
    phase.reset();
    const FusedLosses f =
        w.kernels->run(w.input_rows.data(), targets, n, w.noise.data_ptr<float>(), w.directions.data_ptr<float>(), L,
                       beta, train, scores.defined() ? scores.data_ptr<float>() : nullptr);
    return {f.loss, f.reconstruction, f.regularization, f.prior};
  }

  const ModelOptions& options_;
  const FrameRows& inputs_;
  const FrameRows& targets_;
  at::Generator& generator_;
  std::vector<FusedWorker> workers_;
  DataParallelSteps parallel_;
};

}  // namespace

std::unique_ptr<TrainStep> make_fused_step(const StepContext& context) {
  std::vector<std::unique_ptr<FusedDynAEStep>> kernels;
  const int workers = workers_for(context.model.options, context.parallel);
  for (int w = 0; w < workers; ++w) {
    kernels.push_back(bind_kernels(context.model));
    if (!kernels.back()) return nullptr;
  }
  const int threads = static_cast<int>(kernel_threads(shard_pairs(context.model.options, context.parallel)));
  return std::make_unique<FusedStep>(context, std::move(kernels), threads);
}

}  // namespace dynae
