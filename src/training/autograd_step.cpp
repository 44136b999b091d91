// The LibTorch implementation of a training step: the model kind's Objective
// gives the minibatch loss, autograd its gradient, torch::optim::Adam the
// updates. Every neural model trains through it (the DynAE too, with
// fused_kernels = False).
#include <sstream>

#include "data/frame_rows.h"
#include "dynae/errors.h"
#include "models/model_impl.h"
#include "models/objective.h"
#include "training/data_parallel_step.h"
#include "training/train_step.h"

namespace dynae {
namespace {

class AutogradStep : public TrainStep, private ShardedComputation {
 public:
  explicit AutogradStep(const StepContext& c)
      : model_(c.model),
        inputs_(c.inputs),
        targets_(c.targets),
        generator_(c.generator),
        objective_(make_objective(c.model.options.model)),
        parallel_(c.parallel, c.generator) {
    const std::vector<ParameterGroup> groups = model_.parameter_groups();
    autoencoder_parameters_ = groups.at(0).parameters;
    if (groups.size() > 1) prior_parameters_ = groups[1].parameters;
    autoencoder_optimizer_ = adam(autoencoder_parameters_, model_.options.warmup_learning_rate);
    if (has_own_prior()) prior_optimizer_ = adam(prior_parameters_, model_.options.learning_rate);
  }

  void set_learning_rate(double lr, bool restart) override {
    if (restart) autoencoder_optimizer_ = adam(autoencoder_parameters_, lr);
    set_lr(*autoencoder_optimizer_, lr);
  }

  StepLosses train(const PairRefs& batch, double beta) override { return parallel_.train(batch, beta, *this); }
  StepLosses evaluate_batches(int64_t count, const std::function<PairRefs(int64_t)>& batch, double beta) override {
    return parallel_.evaluate(count, batch, beta, *this);
  }

  void encode(const int64_t* frames, int64_t n, int64_t shift, float* z) override {
    const torch::Tensor x = rows(inputs_, model_.input_shape, frames, n, shift);
    const torch::Tensor r = model_.encode_all(x).to(torch::kFloat32).contiguous();
    std::copy(r.data_ptr<float>(), r.data_ptr<float>() + n * model_.options.latent_dim, z);
  }

  bool has_own_prior() const override { return !prior_parameters_.empty(); }

  std::string save_state() const override {
    torch::serialize::OutputArchive ar, autoencoder, prior;
    autoencoder_optimizer_->save(autoencoder);
    ar.write("autoencoder", autoencoder);
    if (prior_optimizer_) {
      prior_optimizer_->save(prior);
      ar.write("prior", prior);
    }
    std::ostringstream out;
    ar.save_to(out);
    return out.str();
  }

  void load_state(const std::string& bytes) override {
    try {
      torch::serialize::InputArchive ar, autoencoder, prior;
      std::istringstream in(bytes);
      ar.load_from(in);
      ar.read("autoencoder", autoencoder);
      autoencoder_optimizer_->load(autoencoder);
      if (prior_optimizer_) {
        ar.read("prior", prior);
        prior_optimizer_->load(prior);
      }
    } catch (const c10::Error& e) {
      throw CheckpointError(std::string("the optimizer state does not fit the model: ") + e.what_without_backtrace());
    } catch (const std::exception& e) {
      throw CheckpointError(std::string("the optimizer state does not fit the model: ") + e.what());
    }
  }

  void begin_prior_refit() override { prior_optimizer_ = adam(prior_parameters_, model_.options.learning_rate); }

  double refit_prior_step(const float* z0, const float* z1, int64_t n, double lr) override {
    torch::AutoGradMode grad(true);
    const int64_t d = model_.options.latent_dim;
    BatchLoss latents;
    latents.z0 = torch::from_blob(const_cast<float*>(z0), {n, d}, torch::kFloat32);
    latents.z1 = torch::from_blob(const_cast<float*>(z1), {n, d}, torch::kFloat32);
    set_lr(*prior_optimizer_, lr);
    const torch::Tensor loss = objective_->prior_loss(model_, latents, generator_);
    const double value = loss.item<double>();
    prior_optimizer_->zero_grad();
    loss.backward();
    prior_optimizer_->step();
    return value;
  }

 private:
  /// The loss terms; with `gradients`, the autoencoder's gradient and then
  /// the prior's (its loss on the same detached latents) in the parameters'
  /// .grad, before either optimizer steps (apply_gradients).
  /// One worker: LibTorch's own threads split the work inside each operation.
  StepLosses compute(int /*worker*/, const PairRefs& batch, double beta, at::Generator& gen, bool gradients) override {
    StepLosses out;
    if (!gradients) {
      torch::NoGradGuard no_grad;
      model_.train(false);
      const BatchLoss terms = objective_->loss(model_, pair_batch(batch), beta, gen);
      const torch::Tensor prior = objective_->prior_loss(model_, terms, gen);
      model_.train(true);
      out.loss = terms.loss.item<double>();
      out.reconstruction = terms.reconstruction.item<double>();
      out.regularization = terms.regularization.item<double>();
      out.prior = prior.defined() ? prior.item<double>() : 0.0;
      return out;
    }
    const BatchLoss terms = objective_->loss(model_, pair_batch(batch), beta, gen);
    out.loss = terms.loss.item<double>();
    autoencoder_optimizer_->zero_grad();
    terms.loss.backward();
    if (prior_optimizer_) {
      const torch::Tensor prior_loss = objective_->prior_loss(model_, terms, gen);
      out.prior = prior_loss.item<double>();
      prior_optimizer_->zero_grad();
      prior_loss.backward();
    }
    out.reconstruction = terms.reconstruction.item<double>();
    out.regularization = terms.regularization.item<double>();
    return out;
  }

  void apply_gradients() override {
    autoencoder_optimizer_->step();
    if (prior_optimizer_) prior_optimizer_->step();
  }

  /// Every parameter's gradient (zeros where the loss did not reach it).
  void gradient_spans(int /*worker*/, std::vector<GradientSpan>& out) override {
    for (const auto* group : {&autoencoder_parameters_, &prior_parameters_}) {
      for (const torch::Tensor& p : *group) {
        torch::Tensor& g = const_cast<torch::Tensor&>(p).mutable_grad();
        if (!g.defined()) g = torch::zeros_like(p);
        if (g.scalar_type() != torch::kFloat32 || !g.is_contiguous()) {
          throw TrainingError("data-parallel training needs float32 parameters on the CPU");
        }
        out.push_back({g.data_ptr<float>(), g.numel()});
      }
    }
  }

  static std::unique_ptr<torch::optim::Adam> adam(const std::vector<torch::Tensor>& parameters, double lr) {
    return std::make_unique<torch::optim::Adam>(parameters, torch::optim::AdamOptions(lr));
  }
  static void set_lr(torch::optim::Adam& optimizer, double lr) {
    static_cast<torch::optim::AdamOptions&>(optimizer.param_groups()[0].options()).lr(lr);
  }

  /// Frames frames[k] + shift of `source` as a (n, ...frame_shape) tensor.
  static torch::Tensor rows(const FrameRows& source, const std::vector<int64_t>& frame_shape, const int64_t* frames,
                            int64_t n, int64_t shift) {
    std::vector<int64_t> shape{n};
    shape.insert(shape.end(), frame_shape.begin(), frame_shape.end());
    torch::Tensor t = torch::empty(shape, torch::kFloat32);
    source.gather(frames, n, shift, t.data_ptr<float>());
    return t;
  }

  PairBatch pair_batch(const PairRefs& batch) const {
    const int64_t n = batch.count, lag = model_.options.lag;
    PairBatch b;
    b.x0 = rows(inputs_, model_.input_shape, batch.first_frames, n, 0);
    b.x1 = rows(inputs_, model_.input_shape, batch.first_frames, n, lag);
    const bool autoencoder = targets_.same_as(inputs_);
    b.y0 = autoencoder ? b.x0 : rows(targets_, model_.target_shape, batch.first_frames, n, 0);
    b.y1 = autoencoder ? b.x1 : rows(targets_, model_.target_shape, batch.first_frames, n, lag);
    return b;
  }

  Model::Impl& model_;
  const FrameRows& inputs_;
  const FrameRows& targets_;
  at::Generator& generator_;
  std::unique_ptr<Objective> objective_;
  std::vector<torch::Tensor> autoencoder_parameters_, prior_parameters_;
  std::unique_ptr<torch::optim::Adam> autoencoder_optimizer_, prior_optimizer_;
  DataParallelSteps parallel_;
};

}  // namespace

std::unique_ptr<TrainStep> make_autograd_step(const StepContext& context) {
  return std::make_unique<AutogradStep>(context);
}

}  // namespace dynae
