#include "training/trainer.h"

#include <ATen/CPUGeneratorImpl.h>

#include <chrono>
#include <cmath>
#include <sstream>

#include "data/tensor_convert.h"
#include "dynae/data/lagged_pairs.h"
#include "dynae/errors.h"
#include "dynae/runtime.h"
#include "models/model_impl.h"
#include "losses/sliced_wasserstein.h"
#include "models/objective.h"
#include "training/fused_binding.h"
#include "training/resampling.h"

namespace dynae {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

/// An int64 tensor that takes over the vector's buffer (no copy).
torch::Tensor index_tensor(std::vector<int64_t>&& v) {
  auto* owned = new std::vector<int64_t>(std::move(v));
  return torch::from_blob(owned->data(), {static_cast<int64_t>(owned->size())},
                          [owned](void*) { delete owned; }, torch::kLong);
}

/// Concatenates every trajectory's frames into one (N, ...) float32 tensor.
torch::Tensor stack_frames(const TrajectorySet& data, bool target) {
  std::vector<torch::Tensor> parts;
  for (const auto& t : data.trajectories()) parts.push_back(to_tensor(target ? t.target() : t.input));
  return parts.size() == 1 ? parts[0].contiguous() : torch::cat(parts).contiguous();  // one: no copy
}

class TrainingLoop {
 public:
  TrainingLoop(const ModelOptions& o, const TrajectorySet& data, TrainingObserver* observer)
      : o_(o), observer_(observer), gen_(at::make_generator<at::CPUGeneratorImpl>(o.seed)),
        objective_(make_objective(o.model)) {
    x_ = stack_frames(data, false);
    bool autoencoder = true;  // targets are the inputs: share one tensor
    for (const auto& t : data.trajectories()) {
      autoencoder = autoencoder && (t.own_target.shape.empty() || t.own_target.data == t.input.data);
    }
    y_ = autoencoder ? x_ : stack_frames(data, true);
    PairStartSplit split = split_pair_starts(data.lengths(), o.lag, o.test_fraction, o.seed);
    if (static_cast<int64_t>(split.train.size()) < o.batch_size) {
      throw DataError("only " + std::to_string(split.train.size()) + " training pairs, fewer than one batch (" +
                      std::to_string(o.batch_size) + "); use more frames or a smaller batch_size");
    }
    train_first_ = index_tensor(std::move(split.train));
    test_first_ = index_tensor(std::move(split.test));
    model_ = std::make_shared<Model::Impl>(o, data.input_frame_shape(), data.target_frame_shape(), gen_);
    model_->train(true);
  }

  Model run(std::vector<EpochReport>& history) {
    const auto t_start = Clock::now();
    const std::vector<ParameterGroup> groups = model_->parameter_groups();
    const std::vector<torch::Tensor>& ae_params = groups.at(0).parameters;
    const bool has_prior = groups.size() > 1;
    // The fused path (when it applies) owns its own flat Adam optimizers.
    fused_ = bind_fused_step(*model_, o_.warmup_learning_rate, o_.learning_rate);
    // The fused kernels' products (512 x 32 x 32) lose to fork/join when
    // OpenBLAS threads them: one BLAS thread while they train.
    const BlasThreadsGuard one_blas_thread(fused_ ? 1 : 0);
    std::unique_ptr<torch::optim::Adam> ae_opt, prior_opt;
    if (!fused_) {
      ae_opt = std::make_unique<torch::optim::Adam>(ae_params, torch::optim::AdamOptions(o_.warmup_learning_rate));
      if (has_prior) {
        prior_opt = std::make_unique<torch::optim::Adam>(groups[1].parameters, torch::optim::AdamOptions(o_.learning_rate));
      }
    }

    for (int64_t epoch = 0; epoch < o_.epochs; ++epoch) {
      const auto t_epoch = Clock::now();
      EpochReport rep;
      rep.epoch = epoch;
      rep.epochs = o_.epochs;
      torch::Tensor train_order, test_order;
      if (epoch < o_.warmup_epochs) {
        rep.beta = o_.beta * o_.warmup_beta_factor;
        rep.learning_rate = o_.warmup_learning_rate;
        train_order = torch::randperm(train_first_.size(0), gen_, torch::kLong);
        test_order = torch::randperm(test_first_.size(0), gen_, torch::kLong);
      } else {
        rep.beta = o_.beta;
        rep.learning_rate = o_.learning_rate * std::pow(o_.lr_gamma, static_cast<double>((epoch - o_.warmup_epochs) / o_.lr_step_size));
        if (fused_) {
          if (epoch == o_.warmup_epochs) fused_->autoencoder_optimizer().reset();
          fused_->autoencoder_optimizer().set_learning_rate(rep.learning_rate);
        } else {
          if (epoch == o_.warmup_epochs) {
            ae_opt = std::make_unique<torch::optim::Adam>(ae_params, torch::optim::AdamOptions(o_.learning_rate));
          }
          static_cast<torch::optim::AdamOptions&>(ae_opt->param_groups()[0].options()).lr(rep.learning_rate);
        }
        if (objective_->resamples()) {
          std::tie(train_order, test_order, rep.clusters) = resample();
        } else {
          train_order = torch::randperm(train_first_.size(0), gen_, torch::kLong);
          test_order = torch::randperm(test_first_.size(0), gen_, torch::kLong);
        }
      }

      const int64_t steps = train_order.size(0) / o_.batch_size;
      rep.steps = steps;
      for (int64_t s = 0; s < steps; ++s) {
        if (fused_) {
          const FusedLosses f = fused_batch(train_first_, train_order, s, rep.beta, true);
          if (!std::isfinite(f.loss)) diverged(epoch, s, "autoencoder loss", f.loss);
          if (!std::isfinite(f.prior)) diverged(epoch, s, "prior loss", f.prior);
          accumulate(rep.train, f.loss, f.reconstruction, f.regularization, f.prior);
          if (observer_) observer_->on_step(epoch, s + 1, steps);
          continue;
        }
        const torch::Tensor idx = train_order.slice(0, s * o_.batch_size, (s + 1) * o_.batch_size);
        const torch::Tensor i0 = train_first_.index_select(0, idx);
        const torch::Tensor i1 = i0 + o_.lag;  // pairs are (t, t + lag) within a trajectory

        BatchLoss v = objective_->loss(*model_, batch(i0, i1), rep.beta, gen_);
        const double loss = v.loss.item<double>();
        if (!std::isfinite(loss)) diverged(epoch, s, "autoencoder loss", loss);
        ae_opt->zero_grad();
        v.loss.backward();
        ae_opt->step();

        double pl = 0;
        if (prior_opt) {
          torch::Tensor prior_loss = objective_->prior_loss(*model_, v);
          pl = prior_loss.item<double>();
          if (!std::isfinite(pl)) diverged(epoch, s, "prior loss", pl);
          prior_opt->zero_grad();
          prior_loss.backward();
          prior_opt->step();
        }

        accumulate(rep.train, loss, v.reconstruction.item<double>(), v.regularization.item<double>(), pl);
        if (observer_) observer_->on_step(epoch, s + 1, steps);
      }
      average(rep.train);
      rep.test = evaluate(test_order, rep.beta);

      if (!model_->weights_finite()) diverged(epoch, steps, "network weights", NAN);
      model_->epochs_trained = epoch + 1;
      rep.seconds = seconds_since(t_epoch);
      rep.elapsed = seconds_since(t_start);
      history.push_back(rep);
      if (observer_) {
        auto snapshot = model_->clone();
        snapshot->centers = last_centers_;
        observer_->on_epoch(rep, Model(snapshot));
      }
    }

    model_->train(false);
    const bool refit = has_prior && o_.prior_refit_steps > 0;
    if (refit || objective_->resamples()) {
      torch::Tensor z;  // the final latent (the refit does not move the encoder)
      {
        torch::NoGradGuard no_grad;
        z = encode_frames();
      }
      if (refit) refit_prior(z);
      // Cluster centres of the final latent, as the reference's last resampling.
      if (objective_->resamples()) {
        torch::NoGradGuard no_grad;
        model_->centers = to_array(regular_space_centers(z.index_select(0, train_first_), o_.min_dist,
                                                         o_.max_centers, gen_));
      }
    }
    if (objective_->resamples() && model_->centers.frames() == 1 && o_.epochs > 1 && observer_) {
      std::ostringstream os;
      os << "regular-space clustering of the final latent found a single cluster: d_min = " << o_.min_dist
         << " is larger than the latent's extent, so resampling never reweighted the pairs; decrease d_min "
            "(min_dist)";
      observer_->on_warning(os.str());
    }
    return Model(model_->clone());
  }

 private:
  PairBatch batch(const torch::Tensor& i0, const torch::Tensor& i1) const {
    return {x_.index_select(0, i0), x_.index_select(0, i1), y_.index_select(0, i0), y_.index_select(0, i1)};
  }

  /// Every frame's latent (N, d), through the fused encoder when it applies.
  torch::Tensor encode_frames() {
    if (!fused_) return model_->encode_all(x_);
    torch::Tensor z = torch::empty({x_.size(0), o_.latent_dim}, torch::kFloat32);
    fused_->encode(x_.data_ptr<float>(), x_.size(0), z.data_ptr<float>());
    return z;
  }

  /// Batch `s` of `order` through the fused step. Draws the prior noise and
  /// the directions from gen_ exactly as DynAEObjective::loss does, so both
  /// paths consume the generator identically.
  FusedLosses fused_batch(const torch::Tensor& first, const torch::Tensor& order, int64_t s, double beta, bool train) {
    const int64_t b = o_.batch_size;
    const int64_t* ord = order.data_ptr<int64_t>() + s * b;
    const int64_t* f = first.data_ptr<int64_t>();
    i0_.resize(static_cast<size_t>(b));
    i1_.resize(static_cast<size_t>(b));
    for (int64_t k = 0; k < b; ++k) {
      i0_[k] = f[ord[k]];
      i1_[k] = f[ord[k]] + o_.lag;
    }
    const torch::Tensor noise = torch::randn({b, o_.latent_dim}, gen_, torch::kFloat32);
    const torch::Tensor dirs = random_directions(o_.projections, o_.latent_dim, gen_, torch::kFloat32).contiguous();
    return fused_->run(x_.data_ptr<float>(), y_.data_ptr<float>(), i0_.data(), i1_.data(), b,
                       noise.data_ptr<float>(), dirs.data_ptr<float>(), o_.projections, beta, train);
  }

  /// The prior is trained alongside a moving encoder on resampled pairs, with
  /// minibatch noise; its last iterate is what generation would use. Refit it
  /// to the final latent: every training pair with equal weight, Adam on
  /// batches of 4096 with the learning rate decaying (cosine) to 1 % of its
  /// value. The latent itself does not change.
  void refit_prior(const torch::Tensor& z) {
    const torch::Tensor z0 = z.index_select(0, train_first_);
    const torch::Tensor z1 = z.index_select(0, train_first_ + o_.lag);
    const int64_t n = z0.size(0), batch = std::min<int64_t>(4096, n);
    std::unique_ptr<torch::optim::Adam> opt;
    if (fused_) {
      fused_->prior_optimizer().reset();
    } else {
      opt = std::make_unique<torch::optim::Adam>(model_->prior->parameters(),
                                                 torch::optim::AdamOptions(o_.learning_rate));
    }
    for (int64_t s = 0; s < o_.prior_refit_steps; ++s) {
      const double lr = o_.learning_rate * (0.01 + 0.99 * 0.5 * (1 + std::cos(M_PI * s / o_.prior_refit_steps)));
      const torch::Tensor idx = torch::randint(n, {batch}, gen_, torch::kLong);
      const torch::Tensor a = z0.index_select(0, idx), b = z1.index_select(0, idx);
      if (fused_) {
        fused_->prior_optimizer().set_learning_rate(lr);
        const double l = fused_->prior_step(a.data_ptr<float>(), b.data_ptr<float>(), batch, true);
        if (!std::isfinite(l)) diverged(o_.epochs - 1, s, "prior loss while refitting the prior", l);
        continue;
      }
      static_cast<torch::optim::AdamOptions&>(opt->param_groups()[0].options()).lr(lr);
      torch::Tensor loss = model_->prior->nll(a, b).mean();
      const double l = loss.item<double>();
      if (!std::isfinite(l)) diverged(o_.epochs - 1, s, "prior loss while refitting the prior", l);
      opt->zero_grad();
      loss.backward();
      opt->step();
    }
  }

  LossTerms evaluate(const torch::Tensor& order, double beta) {
    LossTerms t;
    torch::NoGradGuard no_grad;
    model_->train(false);
    for (int64_t s = 0; (s + 1) * o_.batch_size <= order.size(0); ++s) {
      if (fused_) {
        const FusedLosses f = fused_batch(test_first_, order, s, beta, false);
        accumulate(t, f.loss, f.reconstruction, f.regularization, f.prior);
        continue;
      }
      const torch::Tensor idx = order.slice(0, s * o_.batch_size, (s + 1) * o_.batch_size);
      const torch::Tensor i0 = test_first_.index_select(0, idx);
      const torch::Tensor i1 = i0 + o_.lag;
      BatchLoss v = objective_->loss(*model_, batch(i0, i1), beta, gen_);
      const torch::Tensor prior = objective_->prior_loss(*model_, v);
      const double pl = prior.defined() ? prior.item<double>() : 0.0;
      accumulate(t, v.loss.item<double>(), v.reconstruction.item<double>(), v.regularization.item<double>(), pl);
    }
    model_->train(true);
    average(t);
    return t;
  }

  std::tuple<torch::Tensor, torch::Tensor, int64_t> resample() {
    torch::NoGradGuard no_grad;
    // Every frame once (train and test first frames are all but each
    // trajectory's last lag frames), then the latents are picked.
    torch::Tensor z_all = encode_frames();
    const torch::Tensor z_train = z_all.index_select(0, train_first_);
    const torch::Tensor z_test = test_first_.size(0) > 0 ? z_all.index_select(0, test_first_) : torch::Tensor();
    z_all = torch::Tensor();  // only the picked latents are kept
    const torch::Tensor centers = regular_space_centers(z_train, o_.min_dist, o_.max_centers, gen_);
    const int64_t k = centers.size(0);
    last_centers_ = to_array(centers);
    const torch::Tensor train_labels = assign_to_centers(z_train, centers);
    const std::vector<double> w = well_tempered_weights(cluster_counts(train_labels, k), o_.bias_factor);
    torch::Tensor train_sel = well_tempered_selection(train_labels, w, o_.batch_size, gen_, true);
    torch::Tensor test_sel = torch::empty({0}, torch::kLong);
    if (test_first_.size(0) > 0) {
      test_sel = well_tempered_selection(assign_to_centers(z_test, centers), w, o_.batch_size, gen_, false);
    }
    return {train_sel, test_sel, k};
  }

  static void accumulate(LossTerms& t, double loss, double rec, double reg, double prior) {
    t.total += loss;
    t.reconstruction += rec;
    t.regularization += reg;
    t.prior += prior;
    t.batches += 1;
  }

  static void average(LossTerms& t) {
    if (t.batches == 0) return;
    const double n = static_cast<double>(t.batches);
    t.total /= n;
    t.reconstruction /= n;
    t.regularization /= n;
    t.prior /= n;
  }

  [[noreturn]] void diverged(int64_t epoch, int64_t step, const char* what, double value) {
    std::ostringstream os;
    os << "training diverged: " << what << " is " << value << " at epoch " << epoch << ", step " << step + 1;
    if (epoch > 0) {
      os << "; the model of epoch " << epoch - 1 << " is the last good one";
    }
    os << ". Try a smaller learning_rate or beta.";
    throw TrainingError(os.str());
  }

  ModelOptions o_;
  TrainingObserver* observer_;
  at::Generator gen_;
  torch::Tensor x_, y_;
  torch::Tensor train_first_, test_first_;  // first frames of the pairs (t, t + lag)
  std::unique_ptr<Objective> objective_;
  std::shared_ptr<Model::Impl> model_;
  std::unique_ptr<FusedDynAEStep> fused_;  // null: the LibTorch path
  std::vector<int64_t> i0_, i1_;           // the fused path's row indices
  Array last_centers_;
};

}  // namespace

Model train_model(const ModelOptions& options, const TrajectorySet& data, TrainingObserver* observer,
                  std::vector<EpochReport>& history) {
  options.validate();
  if (data.empty()) throw DataError("no trajectories to train on");
  TrainingLoop loop(options, data, observer);
  return loop.run(history);
}

}  // namespace dynae
