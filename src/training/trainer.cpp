#include "training/trainer.h"

#include <ATen/CPUGeneratorImpl.h>

#include <chrono>
#include <cmath>
#include <mutex>
#include <sstream>

#include "data/frame_rows.h"
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

/// Training pairs the prior refit holds latents of (all of them up to this).
constexpr int64_t kRefitPairs = int64_t{1} << 18;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

class TrainingLoop {
 public:
  TrainingLoop(const ModelOptions& o, const TrajectorySet& data, TrainingObserver* observer)
      : o_(o), observer_(observer), gen_(at::make_generator<at::CPUGeneratorImpl>(o.seed)),
        objective_(make_objective(o.model)), x_(data, false), y_(data, true),
        pairs_(data.lengths(), o.lag, o.test_fraction, o.seed),
        resampler_(pairs_, o.latent_dim, {o.min_dist, o.max_centers, o.bias_factor, o.batch_size}),
        input_shape_(data.input_frame_shape()), target_shape_(data.target_frame_shape()) {
    if (pairs_.count(PairSet::train) < o.batch_size) {
      throw DataError("only " + std::to_string(pairs_.count(PairSet::train)) + " training pairs, fewer than one batch (" +
                      std::to_string(o.batch_size) + "); use more frames or a smaller batch_size");
    }
    model_ = std::make_shared<Model::Impl>(o, input_shape_, target_shape_, gen_);
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
      if (epoch < o_.warmup_epochs) {
        rep.beta = o_.beta * o_.warmup_beta_factor;
        rep.learning_rate = o_.warmup_learning_rate;
        shuffle_pairs();
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
          resample();
          rep.clusters = resampler_.clusters();
        } else {
          shuffle_pairs();
        }
      }

      const int64_t steps = batches(PairSet::train);
      rep.steps = steps;
      for (int64_t s = 0; s < steps; ++s) {
        load_batch(PairSet::train, s);
        if (fused_) {
          const FusedLosses f = fused_batch(rep.beta, true);
          if (!std::isfinite(f.loss)) diverged(epoch, s, "autoencoder loss", f.loss);
          if (!std::isfinite(f.prior)) diverged(epoch, s, "prior loss", f.prior);
          accumulate(rep.train, f.loss, f.reconstruction, f.regularization, f.prior);
          if (observer_) observer_->on_step(epoch, s + 1, steps);
          continue;
        }
        BatchLoss v = objective_->loss(*model_, batch_tensors(), rep.beta, gen_);
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
      rep.test = evaluate(rep.beta);

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
    resampler_.release();  // the refit's latents take the labels' place
    if (refit) refit_prior();
    // Cluster centres of the final latent, as the reference's last resampling.
    if (objective_->resamples()) {
      torch::NoGradGuard no_grad;
      resampler_.cluster(encode_pairs_callback(), draw_seed());
      model_->centers = centers_array();
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
  /// 64 random bits from the trainer's generator (seeds of the orders and
  /// the resampling's own draws).
  uint64_t draw_seed() {
    std::lock_guard<std::mutex> lock(gen_.mutex());
    return gen_.get<at::CPUGeneratorImpl>()->random64();
  }

  /// This epoch: every pair of each set in random order (no resampling).
  void shuffle_pairs() {
    resampled_ = false;
    for (PairSet s : {PairSet::train, PairSet::test}) {
      const uint64_t key = draw_seed();
      const int64_t n = pairs_.count(s);
      (s == PairSet::train ? train_order_ : test_order_) = n > 0 ? RandomPermutation(n, key) : RandomPermutation();
    }
  }

  void resample() {
    torch::NoGradGuard no_grad;
    resampler_.resample(encode_pairs_callback(), draw_seed());
    resampled_ = true;
    last_centers_ = centers_array();
  }

  Array centers_array() const {
    const std::vector<double>& c = resampler_.centers();
    return Array({resampler_.clusters(), o_.latent_dim}, c);
  }

  int64_t batches(PairSet s) const {
    return resampled_ ? resampler_.batches(s) : pairs_.count(s) / o_.batch_size;
  }

  /// Batch b of set s this epoch: its pairs' first frames in frames_, and
  /// for the fused path their input (and target) rows.
  void load_batch(PairSet s, int64_t b) {
    const int64_t n = o_.batch_size;
    pair_ids_.resize(static_cast<size_t>(n));
    frames_.resize(static_cast<size_t>(n));
    if (resampled_) {
      resampler_.batch(s, b, pair_ids_.data());
    } else {
      const RandomPermutation& order = s == PairSet::train ? train_order_ : test_order_;
      for (int64_t j = 0; j < n; ++j) pair_ids_[j] = pairs_.nth(s, static_cast<int64_t>(order(static_cast<uint64_t>(b * n + j))));
    }
    for (int64_t j = 0; j < n; ++j) frames_[j] = pairs_.first_frame(pair_ids_[j]);
  }

  /// The loaded batch's rows x_t then x_{t+lag} (2 n rows) into out.
  void gather_pair_rows(const FrameRows& rows, float* out) const {
    const int64_t n = static_cast<int64_t>(frames_.size());
    rows.gather(frames_.data(), n, 0, out);
    rows.gather(frames_.data(), n, o_.lag, out + n * rows.width());
  }

  /// The loaded batch as tensors (the LibTorch path).
  PairBatch batch_tensors() const {
    const int64_t n = static_cast<int64_t>(frames_.size());
    auto rows = [&](const FrameRows& r, const std::vector<int64_t>& shape, int64_t shift) {
      std::vector<int64_t> full{n};
      full.insert(full.end(), shape.begin(), shape.end());
      torch::Tensor t = torch::empty(full, torch::kFloat32);
      r.gather(frames_.data(), n, shift, t.data_ptr<float>());
      return t;
    };
    PairBatch b;
    b.x0 = rows(x_, input_shape_, 0);
    b.x1 = rows(x_, input_shape_, o_.lag);
    b.y0 = y_.same_as(x_) ? b.x0 : rows(y_, target_shape_, 0);
    b.y1 = y_.same_as(x_) ? b.x1 : rows(y_, target_shape_, o_.lag);
    return b;
  }

  /// z (n, d) of frames[k] + shift, k < n, through the fused encoder when it applies.
  void encode_frames(const int64_t* frames, int64_t n, int64_t shift, float* z) {
    encode_in_.resize(static_cast<size_t>(n * x_.width()));
    x_.gather(frames, n, shift, encode_in_.data());
    if (fused_) {
      fused_->encode(encode_in_.data(), n, z);
      return;
    }
    std::vector<int64_t> shape{n};
    shape.insert(shape.end(), input_shape_.begin(), input_shape_.end());
    const torch::Tensor r = model_->encode_all(torch::from_blob(encode_in_.data(), shape, torch::kFloat32))
                                .to(torch::kFloat32).contiguous();
    std::copy(r.data_ptr<float>(), r.data_ptr<float>() + n * o_.latent_dim, z);
  }

  /// The resampler's view of the encoder: latents of pairs' first frames.
  EncodePairs encode_pairs_callback() {
    return [this](const int64_t* pairs, int64_t n, float* z) {
      encode_frames_.resize(static_cast<size_t>(n));
      for (int64_t j = 0; j < n; ++j) encode_frames_[j] = pairs_.first_frame(pairs[j]);
      encode_frames(encode_frames_.data(), n, 0, z);
    };
  }

  /// The loaded batch through the fused step. Draws the prior noise and the
  /// directions from gen_ exactly as DynAEObjective::loss does, so both
  /// paths consume the generator identically.
  FusedLosses fused_batch(double beta, bool train) {
    const int64_t b = o_.batch_size;
    xb_.resize(static_cast<size_t>(2 * b * x_.width()));
    gather_pair_rows(x_, xb_.data());
    const float* yb = xb_.data();
    if (!y_.same_as(x_)) {
      yb_.resize(static_cast<size_t>(2 * b * y_.width()));
      gather_pair_rows(y_, yb_.data());
      yb = yb_.data();
    }
    const torch::Tensor noise = torch::randn({b, o_.latent_dim}, gen_, torch::kFloat32);
    const torch::Tensor dirs = random_directions(o_.projections, o_.latent_dim, gen_, torch::kFloat32).contiguous();
    return fused_->run(xb_.data(), yb, b, noise.data_ptr<float>(), dirs.data_ptr<float>(), o_.projections, beta, train);
  }

  /// The prior is trained alongside a moving encoder on resampled pairs, with
  /// minibatch noise; its last iterate is what generation would use. Refit it
  /// to the final latent: every training pair with equal weight, Adam on
  /// batches of 4096 with the learning rate decaying (cosine) to 1 % of its
  /// value. The latent itself does not change. The training pairs' latents
  /// are encoded once; past kRefitPairs pairs, a uniform random subset of
  /// that many (4 MB at d = 2) stands for them, so memory does not grow with
  /// the data.
  void refit_prior() {
    torch::NoGradGuard no_grad;
    const int64_t d = o_.latent_dim, n_train = pairs_.count(PairSet::train);
    const int64_t n = std::min(n_train, kRefitPairs), batch = std::min<int64_t>(4096, n);
    std::vector<float> z0(static_cast<size_t>(n * d)), z1(static_cast<size_t>(n * d));
    {
      SplitMix64 rng(draw_seed());  // sequential sampling: n of the n_train, each subset equally likely
      std::vector<int64_t> chunk;
      int64_t seen = 0, taken = 0;
      auto flush = [&] {
        const int64_t m = static_cast<int64_t>(chunk.size());
        encode_frames(chunk.data(), m, 0, z0.data() + (taken - m) * d);
        encode_frames(chunk.data(), m, o_.lag, z1.data() + (taken - m) * d);
        chunk.clear();
      };
      for (int64_t q = 0; q < pairs_.size() && taken < n; ++q) {
        if (pairs_.is_test(q)) continue;
        const bool take = n == n_train || static_cast<int64_t>(rng.below(static_cast<uint64_t>(n_train - seen))) < n - taken;
        ++seen;
        if (!take) continue;
        chunk.push_back(pairs_.first_frame(q));
        ++taken;
        if (chunk.size() == 512) flush();
      }
      flush();
    }
    std::unique_ptr<torch::optim::Adam> opt;
    if (fused_) {
      fused_->prior_optimizer().reset();
    } else {
      opt = std::make_unique<torch::optim::Adam>(model_->prior->parameters(),
                                                 torch::optim::AdamOptions(o_.learning_rate));
    }
    const torch::Tensor all0 = torch::from_blob(z0.data(), {n, d}, torch::kFloat32);
    const torch::Tensor all1 = torch::from_blob(z1.data(), {n, d}, torch::kFloat32);
    for (int64_t s = 0; s < o_.prior_refit_steps; ++s) {
      const double lr = o_.learning_rate * (0.01 + 0.99 * 0.5 * (1 + std::cos(M_PI * s / o_.prior_refit_steps)));
      const torch::Tensor idx = torch::randint(n, {batch}, gen_, torch::kLong);
      const torch::Tensor a = all0.index_select(0, idx), b = all1.index_select(0, idx);
      if (fused_) {
        fused_->prior_optimizer().set_learning_rate(lr);
        const double l = fused_->prior_step(a.data_ptr<float>(), b.data_ptr<float>(), batch, true);
        if (!std::isfinite(l)) diverged(o_.epochs - 1, s, "prior loss while refitting the prior", l);
        continue;
      }
      torch::AutoGradMode grad(true);
      static_cast<torch::optim::AdamOptions&>(opt->param_groups()[0].options()).lr(lr);
      torch::Tensor loss = model_->prior->nll(a, b).mean();
      const double l = loss.item<double>();
      if (!std::isfinite(l)) diverged(o_.epochs - 1, s, "prior loss while refitting the prior", l);
      opt->zero_grad();
      loss.backward();
      opt->step();
    }
  }

  LossTerms evaluate(double beta) {
    LossTerms t;
    torch::NoGradGuard no_grad;
    model_->train(false);
    const int64_t steps = batches(PairSet::test);
    for (int64_t s = 0; s < steps; ++s) {
      load_batch(PairSet::test, s);
      if (fused_) {
        const FusedLosses f = fused_batch(beta, false);
        accumulate(t, f.loss, f.reconstruction, f.regularization, f.prior);
        continue;
      }
      BatchLoss v = objective_->loss(*model_, batch_tensors(), beta, gen_);
      const torch::Tensor prior = objective_->prior_loss(*model_, v);
      const double pl = prior.defined() ? prior.item<double>() : 0.0;
      accumulate(t, v.loss.item<double>(), v.reconstruction.item<double>(), v.regularization.item<double>(), pl);
    }
    model_->train(true);
    average(t);
    return t;
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
  std::unique_ptr<Objective> objective_;
  FrameRows x_, y_;  // the inputs and targets, read in place
  PairIndex pairs_;  // the pairs (t, t + lag) and their split
  Resampler resampler_;
  std::vector<int64_t> input_shape_, target_shape_;
  std::shared_ptr<Model::Impl> model_;
  std::unique_ptr<FusedDynAEStep> fused_;  // null: the LibTorch path
  bool resampled_ = false;                 // this epoch's batches come from resampler_
  RandomPermutation train_order_, test_order_;
  std::vector<int64_t> pair_ids_, frames_, encode_frames_;  // the loaded batch; the encoder's frames
  std::vector<float> xb_, yb_, encode_in_;  // the fused path's batch rows; the encoder's input
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
