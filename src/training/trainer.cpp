#include "training/trainer.h"

#include <ATen/CPUGeneratorImpl.h>
#include <boost/crc.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iomanip>
#include <mutex>
#include <sstream>

#include "cpu/phase_clock.h"
#include "data/frame_rows.h"
#include "data/tensor_convert.h"
#include "dynae/analysis/identifiability.h"
#include "dynae/analysis/slow_timescale.h"
#include "dynae/data/feature_scaling.h"
#include "dynae/data/frame_weights.h"
#include "dynae/data/lagged_pairs.h"
#include "dynae/errors.h"
#include "dynae/models/model_kind.h"
#include "dynae/runtime.h"
#include "models/latent_diffusion.h"
#include "models/model_impl.h"
#include "priors/substeps.h"
#include "training/resampling.h"
#include "training/train_step.h"
#include "training/warm_start.h"
#include "training/weighted_draws.h"
#include "util/framed_bytes.h"

namespace dynae {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kStateFormat[] = "dynae-training-state-v1";

torch::Tensor byte_tensor(const std::string& s) {
  return torch::from_blob(const_cast<char*>(s.data()), {static_cast<int64_t>(s.size())}, torch::kUInt8).clone();
}

std::string string_of(const torch::Tensor& t) {
  if (!is_backed(t) || t.scalar_type() != torch::kUInt8) throw CheckpointError("a part of it is damaged");
  const torch::Tensor c = t.contiguous();
  return std::string(reinterpret_cast<const char*>(c.data_ptr<uint8_t>()), static_cast<size_t>(c.numel()));
}

int64_t state_checksum(int64_t epochs, const std::string& model, const std::string& step, const torch::Tensor& generator,
                       const std::vector<double>& starts) {
  boost::crc_32_type crc;
  crc.process_bytes(&epochs, sizeof epochs);
  for (const std::string* s : {&model, &step}) {
    const uint64_t n = s->size();
    crc.process_bytes(&n, sizeof n);
    if (n > 0) crc.process_bytes(s->data(), s->size());
  }
  const torch::Tensor g = generator.to(torch::kUInt8).contiguous();
  if (g.numel() > 0) crc.process_bytes(g.data_ptr<uint8_t>(), static_cast<size_t>(g.numel()));
  if (!starts.empty()) crc.process_bytes(starts.data(), starts.size() * sizeof(double));  // (older states: none)
  return static_cast<int64_t>(crc.checksum());
}

/// `saved` (from a training state) was made with the options of `run`; an
/// automatic prior_substeps (0) in `run` matches any count chosen in `saved`.
bool same_checkpointed_options(const ModelOptions& saved, const ModelOptions& run) {
  for (const auto& option : model_option_table()) {
    if (!option.info.in_checkpoint) continue;
    if (option.info.name == "prior_substeps" && run.prior_substeps == 0) continue;
    if (option.get(saved) != option.get(run)) return false;
  }
  return true;
}

/// A loss past this (times the inputs' squared magnitude, when above 1) has
/// exploded: training diverged even if it is finite.
constexpr double kExplodedLoss = 1e12;

/// Adam steps of the warm start (option warm_start; training/warm_start.h):
/// two passes over the frames in batches of 256, at least 100 and at most 1000.
int64_t warm_start_steps(int64_t frames) { return std::clamp<int64_t>(2 * frames / 256, 100, 1000); }

/// Training pairs the prior refit holds latents of (all of them up to this).
constexpr int64_t kRefitPairs = int64_t{1} << 18;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

/// The generator seed of start k (option starts): the seed itself for
/// start 0, an unrelated stream for the others.
uint64_t start_seed(uint64_t seed, int64_t start) {
  return start == 0 ? seed : mix64(seed ^ mix64(0x7374617274ULL + static_cast<uint64_t>(start)));
}

class TrainingLoop {
 public:
  /// Start `start` (option starts) draws its weights and orders from its
  /// own stream; start 0's is the seed's, as with a single start. Every
  /// start shares the seed's split of the pairs.
  TrainingLoop(const ModelOptions& options, const TrajectorySet& data, TrainingObserver* observer,
               const DataParallel& parallel, int64_t start = 0)
      : options_(options),
        parallel_(parallel),
        kind_(model_kind(options.model)),
        observer_(observer),
        generator_(at::make_generator<at::CPUGeneratorImpl>(start_seed(options.seed, start))),
        lengths_(data.lengths()),
        inputs_(data, false),
        targets_(data, true),
        pairs_(data.lengths(), options.lag, options.test_fraction, options.seed),
        resampler_(pairs_, options.latent_dim,
                   {options.min_dist, options.max_centers, options.bias_factor, options.batch_size}) {
    check_data_parallel(parallel_, options.batch_size);
    if (Communicator* comm = parallel_.comm) {  // the ranks share the resampling's encoding and labelling
      resampler_.share_with_ranks(
          {comm->rank(), comm->size(), [comm](const void* mine, void* all, int64_t bytes) {
             const PhaseScope exchanging(Phase::communication);
             comm->allgather(mine, all, bytes);
           }});
    }
    if (pairs_.count(PairSet::train) < options.batch_size) {
      throw DataError("only " + std::to_string(pairs_.count(PairSet::train)) +
                      " training pairs, fewer than one batch (" + std::to_string(options.batch_size) +
                      "); use more frames or a smaller batch_size");
    }
    check_input_range(data);
    if (data.weighted()) weigh_pairs(data.weights());
    model_ = std::make_shared<Model::Impl>(options, data.input_frame_shape(), data.target_frame_shape(), generator_);
    model_->feature_names = data.feature_names();
    model_->train(true);
  }

  /// The standardisation the model keeps (option standardize).
  void set_scaling(FeatureScaling inputs, FeatureScaling targets) {
    model_->input_scaling = std::move(inputs);
    model_->target_scaling = std::move(targets);
  }

  /// Binds the step implementation `make_step` gives (by default the fused
  /// one where it applies); with a non-empty `resume_state`, puts the loop
  /// back where that state left it. Returns the epoch to train next.
  int64_t prepare(StepFactory make_step, const std::string& resume_state,
                  const std::vector<float>* warm_start_targets = nullptr) {
    if (warm_start_targets && resume_state.empty()) {
      const PhaseScope phase(Phase::warm_start);
      const double misfit =
          warm_start_autoencoder(*model_, inputs_, targets_, *warm_start_targets, generator_,
                                 warm_start_steps(inputs_.frames()));
      if (observer_) {
        std::ostringstream os;
        os << std::setprecision(3) << "warm start: the encoder fitted to TICA's " << options_.latent_dim
           << " slowest components at lag " << score_lag() << " (scaled to unit diffusion), mean squared misfit "
           << misfit << " per coordinate";
        observer_->on_note(os.str());
      }
    }
    step_ = make_step(StepContext{*model_, inputs_, targets_, generator_, parallel_});
    if (observer_ && options_.fused_kernels && options_.conservative_force()) {
      observer_->on_note("force_field = conservative: the fused kernels cover a free force only, so this run trains "
                         "on the LibTorch autograd path (the same loss, slower per epoch)");
    }
    if (weighted() && observer_) warn_if_few_effective_pairs();
    return resume_state.empty() ? 0 : restore(resume_state);
  }

  /// Epochs [first, last), one report each into `history`.
  void train_epochs(int64_t first, int64_t last, std::vector<EpochReport>& history) {
    const BlasThreadsGuard blas_threads(step_->blas_threads());
    const TorchThreadsGuard torch_threads(step_->torch_threads());
    for (int64_t epoch = first; epoch < last; ++epoch) {
      const auto t_epoch = Clock::now();
      EpochReport report = begin_epoch(epoch);
      train_epoch(report);
      report.test = evaluate(report.beta);
      if (!model_->weights_finite()) diverged(epoch, report.steps, "network weights", NAN);
      model_->epochs_trained = epoch + 1;
      report.seconds = seconds_since(t_epoch);
      report.elapsed = elapsed_ + seconds_since(t_start_);
      history.push_back(report);
      if (observer_) {
        observer_->on_epoch(report, snapshot());
        if (observer_->wants_checkpoints()) observer_->on_checkpoint(training_state());
      }
    }
  }

  /// The prior refit, the last centres and the quality figure; the model.
  Model finish_model() {
    const BlasThreadsGuard blas_threads(step_->blas_threads());
    const TorchThreadsGuard torch_threads(step_->torch_threads());
    finish();
    const std::vector<Array> latents = encode_all();
    if (model_->transformations) {
      // STA's fields from now on divided by their magnitude over every training frame.
      const Array all = Array::concat_frames(latents);
      model_->transformations->store_norms(to_tensor(all));
    }
    const SlowTimescale q = score(latents);
    model_->quality.lag = q.lag;
    model_->quality.timescale = q.timescale;
    model_->quality.second = q.second;
    if (observer_) {
      std::ostringstream os;
      os << std::setprecision(4) << "quality figure (no ground truth): the latent's slowest implied timescale is "
         << q.timescale << " frames at lag " << q.lag << " (a 50-state MSM; the next slowest " << q.second << ")";
      observer_->on_note(os.str());
    }
    if (kind_.has_dynamics()) {
      const PhaseScope phase(Phase::quality);
      model_->identifiability = diagnose_identifiability(Model(model_->clone()), latents);
      if (observer_) {
        const std::string text = identifiability_text(model_->identifiability, options_.lag);
        observer_->on_note(text.substr(0, text.size() - 1));
        if (!model_->identifiability.flagged().empty()) {
          observer_->on_warning("a latent direction relaxes within one lag: see the identifiability lines above");
        }
      }
    }
    return Model(model_->clone());
  }

  /// The slowest implied timescale of the current latent of every frame
  /// (analysis/slow_timescale.h) at the option's score_lag.
  SlowTimescale score_latent() { return score(encode_all()); }

  /// The quality figure of latents of every training frame.
  SlowTimescale score(const std::vector<Array>& latents) const {
    SlowTimescaleOptions o;
    o.lag = score_lag();
    return slowest_timescale(latents, o);
  }

  /// The current latent of every training frame, one array per trajectory.
  std::vector<Array> encode_all() {
    const PhaseScope phase(Phase::quality);
    torch::NoGradGuard no_grad;
    const BlasThreadsGuard blas_threads(step_->blas_threads());
    const TorchThreadsGuard torch_threads(step_->torch_threads());
    const int64_t d = options_.latent_dim;
    std::vector<Array> latents;
    std::vector<int64_t> frames;
    std::vector<float> z;
    int64_t offset = 0;
    for (int64_t n : lengths_) {
      Array a = Array::zeros({n, d});
      for (int64_t b = 0; b < n; b += 4096) {
        const int64_t m = std::min<int64_t>(4096, n - b);
        frames.resize(static_cast<size_t>(m));
        z.resize(static_cast<size_t>(m * d));
        for (int64_t j = 0; j < m; ++j) frames[j] = offset + b + j;
        step_->encode(frames.data(), m, 0, z.data());
        std::copy(z.begin(), z.end(), a.data.begin() + b * d);
      }
      offset += n;
      latents.push_back(std::move(a));
    }
    return latents;
  }

  int64_t score_lag() const {
    return options_.score_lag > 0 ? options_.score_lag : auto_score_lag(options_.lag, lengths_);
  }

  /// Where the loop's events go from now on (the starts report to their own).
  void set_observer(TrainingObserver* observer) { observer_ = observer; }
  /// Each start's figure and the one chosen, kept in the model and the training state.
  void set_starts(std::vector<double> timescales, int64_t chosen) {
    model_->quality.start_timescales = std::move(timescales);
    model_->quality.chosen_start = chosen;
  }
  /// The model as it is now, with the last resampling's centres.
  Model snapshot() const {
    auto copy = model_->clone();
    copy->centers = last_centers_;
    return Model(copy);
  }
  /// The state to resume from (see training_state) for the observer.
  void checkpoint() {
    if (observer_ && observer_->wants_checkpoints()) observer_->on_checkpoint(training_state());
  }
  /// Wall time of training so far, for the epochs' `elapsed`.
  void set_elapsed(double seconds) {
    elapsed_ = seconds;
    t_start_ = Clock::now();
  }

 private:
  /// Everything the loop carries from one epoch to the next: the model
  /// (weights, epochs trained), the step's optimizer state, the generator
  /// and the last resampling's centres, with a CRC-32 of it all.
  std::string training_state() {
    torch::serialize::OutputArchive ar;
    const std::string model = Model(std::shared_ptr<const Model::Impl>(model_)).to_bytes();
    const std::string step = step_->save_state();
    const torch::Tensor generator = generator_state();
    ar.write("format", c10::IValue(std::string(kStateFormat)));
    ar.write("epochs", c10::IValue(model_->epochs_trained));
    ar.write("model", byte_tensor(model));
    ar.write("step", byte_tensor(step));
    ar.write("generator", generator);
    ar.write("centers", last_centers_.size() ? to_tensor(last_centers_, torch::kFloat64)
                                              : torch::empty({0, options_.latent_dim}, torch::kFloat64));
    const std::vector<double> starts = starts_values();
    if (!starts.empty()) ar.write("starts", torch::tensor(starts, torch::kFloat64));
    ar.write("checksum", c10::IValue(state_checksum(model_->epochs_trained, model, step, generator, starts)));
    std::ostringstream out;
    ar.save_to(out);
    return frame_bytes(out.str());
  }

  /// Puts the loop back where training_state left it; returns the epoch to
  /// continue with. CheckpointError when the state is damaged or another model's.
  int64_t restore(const std::string& bytes) {
    try {
      torch::serialize::InputArchive ar;
      std::istringstream in(unframe_bytes(bytes, "training state", /*allow_unframed=*/false));
      ar.load_from(in);
      c10::IValue format, epochs, checksum;
      ar.read("format", format);
      if (!format.isString() || format.toStringRef() != kStateFormat) throw CheckpointError("not a dynae training state");
      torch::Tensor model_bytes, step_bytes, generator, centers;
      ar.read("epochs", epochs);
      ar.read("model", model_bytes);
      ar.read("step", step_bytes);
      ar.read("generator", generator);
      ar.read("centers", centers);
      ar.read("checksum", checksum);
      const std::string model = string_of(model_bytes), step = string_of(step_bytes);
      if (!is_backed(generator) || generator.scalar_type() != torch::kUInt8 || !is_backed(centers)) {
        throw CheckpointError("a part of it is damaged");
      }
      std::vector<double> starts;
      torch::Tensor starts_tensor;
      if (ar.try_read("starts", starts_tensor)) {
        if (!is_backed(starts_tensor) || starts_tensor.scalar_type() != torch::kFloat64 || starts_tensor.dim() != 1 ||
            starts_tensor.numel() < 2) {
          throw CheckpointError("its starts' figures are damaged");
        }
        const torch::Tensor c = starts_tensor.contiguous();
        starts.assign(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
      }
      if (!checksum.isInt() || checksum.toInt() != state_checksum(epochs.toInt(), model, step, generator, starts)) {
        throw CheckpointError("its contents do not match its checksum (a damaged file)");
      }
      const Model saved = Model::from_bytes(model, "the training state's model");
      copy_weights(saved.impl());
      model_->epochs_trained = saved.epochs_trained();
      model_->centers = saved.cluster_centers();
      model_->latent_diffusion = saved.latent_diffusion();
      if (!starts.empty()) {
        const double chosen = starts[0];
        if (!(chosen >= 0) || chosen != std::floor(chosen) || chosen >= static_cast<double>(starts.size() - 1)) {
          throw CheckpointError("its starts' figures are damaged");
        }
        set_starts(std::vector<double>(starts.begin() + 1, starts.end()), static_cast<int64_t>(chosen));
      }
      step_->load_state(step);
      {
        std::lock_guard<std::mutex> lock(generator_.mutex());
        generator_.set_state(generator);
      }
      last_centers_ = centers.numel() ? to_array(centers) : Array();
      const int64_t e = epochs.toInt();
      if (e < 0 || e > options_.epochs) {
        throw CheckpointError("it holds epoch " + std::to_string(e) + " of a training of " +
                              std::to_string(options_.epochs) + " epochs");
      }
      return e;
    } catch (const CheckpointError& e) {
      throw CheckpointError(std::string("cannot resume from the training state: ") + e.what());
    } catch (const c10::Error& e) {
      throw CheckpointError(std::string("cannot resume from the training state: ") + e.what_without_backtrace());
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {  // TorchScript's parser on a damaged archive
      const std::string what = e.what();
      throw CheckpointError("cannot resume from the training state: " + what.substr(0, std::min<size_t>(what.find('\n'), 200)));
    }
  }

  /// The saved model's weights and buffers into the model being trained,
  /// in place (the step is bound to these tensors).
  void copy_weights(const Model::Impl& saved) {
    if (!same_checkpointed_options(saved.options, model_->options) || saved.input_shape != model_->input_shape ||
        saved.target_shape != model_->target_shape) {
      throw CheckpointError("it was made with other options or data (frame shapes " + shape_string(saved.input_shape) +
                            " -> " + shape_string(saved.target_shape) + ")");
    }
    torch::NoGradGuard no_grad;
    auto copy = [](const torch::nn::Module& from, torch::nn::Module& to) {
      const auto src = from.named_parameters(true), dst = to.named_parameters(true);
      const auto src_b = from.named_buffers(true), dst_b = to.named_buffers(true);
      if (src.size() != dst.size() || src_b.size() != dst_b.size()) throw CheckpointError("its networks differ");
      for (const auto& p : dst) {
        const torch::Tensor* t = src.find(p.key());
        if (!t || !t->sizes().equals(p.value().sizes())) throw CheckpointError("its parameter " + p.key() + " differs");
        p.value().copy_(*t);
      }
      for (const auto& b : dst_b) {
        const torch::Tensor* t = src_b.find(b.key());
        if (!t || !t->sizes().equals(b.value().sizes())) throw CheckpointError("its buffer " + b.key() + " differs");
        b.value().copy_(*t);
      }
    };
    copy(*saved.encoder, *model_->encoder);
    copy(*saved.decoder, *model_->decoder);
    copy(*saved.prior, *model_->prior);
    if (saved.options.prior_substeps != model_->options.prior_substeps) set_prior_substeps(saved.options.prior_substeps);
  }

  /// The starts' figures for the training state: the chosen index, then
  /// each start's timescale (empty with one start).
  std::vector<double> starts_values() const {
    const TrainingQuality& q = model_->quality;
    if (q.start_timescales.empty()) return {};
    std::vector<double> v = {static_cast<double>(q.chosen_start)};
    v.insert(v.end(), q.start_timescales.begin(), q.start_timescales.end());
    return v;
  }

  torch::Tensor generator_state() {
    std::lock_guard<std::mutex> lock(generator_.mutex());
    return generator_.get_state();
  }

  /// The epoch's schedule (METHOD.md "Training schedule"): warm-up epochs at
  /// beta * warmup_beta_factor and the warm-up learning rate on uniformly
  /// shuffled pairs; then the full loss, a fresh autoencoder optimizer, the
  /// StepLR decay and, for models that resample, a resampling of the pairs.
  EpochReport begin_epoch(int64_t epoch) {
    EpochReport report;
    report.epoch = epoch;
    report.epochs = options_.epochs;
    if (epoch < options_.warmup_epochs) {
      report.beta = options_.beta * options_.warmup_beta_factor;
      report.learning_rate = options_.warmup_learning_rate;
      step_->set_learning_rate(report.learning_rate, false);
      shuffle_pairs();
      return report;
    }
    report.beta = options_.beta;
    if (epoch == options_.warmup_epochs) choose_prior_substeps();
    const int64_t decays = (epoch - options_.warmup_epochs) / options_.lr_step_size;
    report.learning_rate = options_.learning_rate * std::pow(options_.lr_gamma, static_cast<double>(decays));
    const int64_t final_epochs =
        static_cast<int64_t>(std::floor(options_.final_decay_fraction * static_cast<double>(options_.epochs)));
    if (epoch >= options_.epochs - final_epochs) report.learning_rate *= 0.1;  // option final_decay_fraction
    step_->set_learning_rate(report.learning_rate, /*restart=*/epoch == options_.warmup_epochs);
    if (kind_.resamples) {
      resample();
      report.clusters = resampler_.clusters();
    } else {
      shuffle_pairs();
    }
    return report;
  }

  /// Every training batch of the epoch, one step each.
  void train_epoch(EpochReport& report) {
    const int64_t steps = batches(PairSet::train);
    report.steps = steps;
    for (int64_t s = 0; s < steps; ++s) {
      // Across ranks, a signal reaches every rank through the step's
      // allreduce (StepLosses::stop): all stop after the same step.
      if (!parallel_.comm) stop_if_interrupted(report.epoch, s, steps);
      const StepLosses losses = step_->train(load_batch(PairSet::train, s), report.beta);
      if (losses.stop) stop_everywhere(report.epoch, s + 1, steps);
      // NaN, or exploding: far past the data's own scale no training
      // recovers, and the latent it makes would only fail later (in the
      // resampling) with the wrong advice.
      const double exploded = kExplodedLoss * std::max(1.0, input_magnitude_ * input_magnitude_);
      if (!(std::fabs(losses.loss) < exploded)) diverged(report.epoch, s, "autoencoder loss", losses.loss);
      if (!(std::fabs(losses.prior) < exploded)) diverged(report.epoch, s, "prior loss", losses.prior);
      accumulate(report.train, losses);
      if (observer_) observer_->on_step(report.epoch, s + 1, steps);
    }
    average(report.train);
  }

  /// After the last epoch: the prior refitted to the final latent, and the
  /// cluster centres of the final latent (the reference's last resampling).
  void finish() {
    model_->train(false);
    resampler_.release();  // the refit's latents take the labels' place
    if (step_->has_own_prior() && options_.prior_refit_steps > 0) refit_prior();
    if (!kind_.resamples) return;
    {
      torch::NoGradGuard no_grad;
      resampler_.cluster(encode_pairs_callback(), draw_seed());
      model_->centers = centers_array();
    }
    if (model_->centers.frames() == 1 && options_.epochs > 1 && observer_) {
      std::ostringstream os;
      os << "regular-space clustering of the final latent found a single cluster: d_min = " << options_.min_dist
         << " is larger than the latent's extent, so resampling never reweighted the pairs; decrease d_min "
            "(min_dist)";
      observer_->on_warning(os.str());
    }
  }

  /// 64 random bits from the trainer's generator (seeds of the orders and
  /// the resampling's own draws).
  uint64_t draw_seed() {
    std::lock_guard<std::mutex> lock(generator_.mutex());
    return generator_.get<at::CPUGeneratorImpl>()->random64();
  }

  bool weighted() const { return !pair_weights_.empty(); }

  /// Refuses inputs with nothing to learn (every feature constant) and notes
  /// their largest magnitude (for the advice when training diverges).
  void check_input_range(const TrajectorySet& data) {
    check_not_constant(data);
    for (const auto& t : data.trajectories()) {
      for (double v : t.input.data) input_magnitude_ = std::max(input_magnitude_, std::fabs(v));
    }
  }

  /// Weighted frames (biased simulations, data/frame_weights.h): each pair
  /// weighs what its first frame does, and batches draw pairs in proportion
  /// to weight (training/weighted_draws.h), so every loss is the weighted one.
  void weigh_pairs(const std::vector<double>& frame_weights) {
    pair_weights_.resize(static_cast<size_t>(pairs_.size()));
    for (int64_t q = 0; q < pairs_.size(); ++q) pair_weights_[q] = frame_weights[static_cast<size_t>(pairs_.first_frame(q))];
    for (PairSet set : {PairSet::train, PairSet::test}) {
      std::vector<int64_t> ids;
      std::vector<double> w;
      for (int64_t q = 0; q < pairs_.size(); ++q) {
        if (!pairs_.in(set, q)) continue;
        ids.push_back(q);
        w.push_back(pair_weights_[q]);
      }
      const int64_t n = static_cast<int64_t>(ids.size());
      plain_draws_[set == PairSet::test] = WeightedDraws(std::move(ids), w, {0, n});
    }
    if (!(plain_draws_[0].total(0) > 0)) {
      throw DataError("every training pair starts on a frame of weight 0: nothing to train on (check the weights)");
    }
    resampler_.set_pair_weights(&pair_weights_);
  }

  /// Kish's effective sample size of the training pairs: a warning when the
  /// weights rest on few of them (the weighted losses are then noisy).
  void warn_if_few_effective_pairs() {
    std::vector<double> w;
    for (int64_t q = 0; q < pairs_.size(); ++q) {
      if (!pairs_.is_test(q)) w.push_back(pair_weights_[q]);
    }
    const double ess = effective_sample_size(w), n = static_cast<double>(w.size());
    if (ess >= 0.01 * n && ess >= 10.0 * static_cast<double>(options_.batch_size)) return;
    std::ostringstream os;
    os << "the weights rest on few frames: the " << w.size() << " training pairs are worth " << ess
       << " equally weighted ones (Kish's effective sample size); the weighted losses and landscape are noisy";
    observer_->on_warning(os.str());
  }

  /// This epoch: every pair of each set in random order (no resampling);
  /// weighted, as many pairs drawn in proportion to weight.
  void shuffle_pairs() {
    resampled_ = false;
    if (weighted()) {
      draw_key_ = draw_seed();
      return;
    }
    for (PairSet set : {PairSet::train, PairSet::test}) {
      const uint64_t key = draw_seed();
      const int64_t n = pairs_.count(set);
      (set == PairSet::train ? train_order_ : test_order_) = n > 0 ? RandomPermutation(n, key) : RandomPermutation();
    }
  }

  void resample() {
    const PhaseScope phase(Phase::resampling);
    torch::NoGradGuard no_grad;
    resampler_.resample(encode_pairs_callback(), draw_seed());
    resampled_ = true;
    last_centers_ = centers_array();
  }

  Array centers_array() const {
    const std::vector<double>& c = resampler_.centers();
    return Array({resampler_.clusters(), options_.latent_dim}, c);
  }

  int64_t batches(PairSet set) const {
    if (resampled_) return resampler_.batches(set);
    if (weighted() && !(plain_draws_[set == PairSet::test].total(0) > 0)) return 0;
    return pairs_.count(set) / options_.batch_size;
  }

  /// Batch b of set `set` this epoch: its pairs' first frames. A rank of
  /// a data-parallel training looks up only its own shard's (the others'
  /// entries are left unset; the step reads only its shard). A resampled
  /// batch's members are drawn and ordered whole on every rank, so a shard
  /// holds the batch's members of one stretch of the data (looking up each
  /// shard's random half on its own was measured: about 2 ms per epoch faster,
  /// and a worse latent for seed 0 of the bundled data; not kept).
  PairRefs load_batch(PairSet set, int64_t b) {
    const PhaseScope phase(Phase::batch);
    const int64_t n = options_.batch_size;
    const int64_t N = parallel_.shards, r = parallel_.comm ? parallel_.comm->rank() : -1;
    const int64_t lo = r < 0 ? 0 : r * n / N, hi = r < 0 ? n : (r + 1) * n / N;
    pair_ids_.resize(static_cast<size_t>(n));
    first_frames_.resize(static_cast<size_t>(n));
    if (resampled_) {
      resampler_.batch(set, b, pair_ids_.data(), lo, hi);
    } else if (weighted()) {
      const uint64_t stream = mix64(draw_key_ ^ (static_cast<uint64_t>(set == PairSet::test) << 62) ^ static_cast<uint64_t>(b));
      plain_draws_[set == PairSet::test].draw(0, n, stream, pair_ids_.data());
    } else {
      const RandomPermutation& order = set == PairSet::train ? train_order_ : test_order_;
      for (int64_t j = lo; j < hi; ++j) {
        pair_ids_[j] = pairs_.nth(set, static_cast<int64_t>(order(static_cast<uint64_t>(b * n + j))));
      }
    }
    for (int64_t j = lo; j < hi; ++j) first_frames_[j] = pairs_.first_frame(pair_ids_[j]);
    return {first_frames_.data(), n};
  }

  /// Option prior_substeps = 0 (auto): at the end of the warm-up, the count
  /// from the relaxation rate of a one-step force fitted to the latents of up
  /// to 16384 training pairs (evenly spaced; its own random stream, so the
  /// run's draws are as with a fixed count), kept in the model's options
  /// (priors/substeps.h).
  void choose_prior_substeps() {
    if (options_.prior_substeps != 0 || kind_.prior != PriorTraining::OwnStep || options_.learn_diffusion ||
        !model_->prior) {
      return;
    }
    const int64_t n_train = pairs_.count(PairSet::train), m = std::min<int64_t>(16384, n_train), d = options_.latent_dim;
    std::vector<int64_t> frames(static_cast<size_t>(m));
    for (int64_t j = 0; j < m; ++j) frames[j] = pairs_.first_frame(pairs_.nth(PairSet::train, j * n_train / m));
    std::vector<float> z0(static_cast<size_t>(m * d)), z1(z0.size());
    step_->encode(frames.data(), m, 0, z0.data());
    step_->encode(frames.data(), m, options_.lag, z1.data());
    const SubstepChoice c = choose_substeps(*model_->prior, torch::from_blob(z0.data(), {m, d}, torch::kFloat32),
                                            torch::from_blob(z1.data(), {m, d}, torch::kFloat32),
                                            mix64(options_.seed ^ 0x73756273746570ULL));
    set_prior_substeps(c.substeps);
    if (observer_) {
      std::ostringstream os;
      os << "prior substeps: " << c.substeps << " per lag (auto: the latent relaxes at up to " << std::setprecision(3)
         << c.kappa << " per lag" << (c.substeps == 1 ? "; one Euler-Maruyama step suffices)" : ")");
      observer_->on_note(os.str());
    }
  }

  void set_prior_substeps(int64_t n) {
    options_.prior_substeps = n;
    model_->options.prior_substeps = n;
    model_->prior->set_substeps(n);
    step_->prior_substeps_changed(n);
  }

  /// The resampler's view of the encoder: latents of pairs' first frames.
  EncodePairs encode_pairs_callback() {
    return [this](const int64_t* pairs, int64_t n, float* z) {
      encode_frames_.resize(static_cast<size_t>(n));
      for (int64_t j = 0; j < n; ++j) encode_frames_[j] = pairs_.first_frame(pairs[j]);
      step_->encode(encode_frames_.data(), n, 0, z);
    };
  }

  struct RefitLatents {
    int64_t pairs = 0;
    std::vector<float> z0, z1;  ///< (pairs, d) latents of the pairs' first and second frames
    std::vector<double> weights;  ///< the pairs' weights (weighted frames only)
  };

  /// The prior is trained alongside a moving encoder on resampled pairs, with
  /// minibatch noise; its last iterate is what generation would use. Refit it
  /// to the final latent: every training pair with equal weight (weighted
  /// frames: in proportion to its weight), Adam on
  /// batches of 4096 with the learning rate decaying (cosine) to 1 % of its
  /// value (prior substeps: smaller batches, see below). The latent itself
  /// does not change.
  void refit_prior() {
    const PhaseScope phase(Phase::refit);
    torch::NoGradGuard no_grad;
    const RefitLatents latents = encode_refit_pairs();
    // Substeps multiply a pair's cost: their batches hold 4096 / substeps pairs (at least 256).
    const int64_t substeps = model_->prior->substeps();
    const int64_t per_step = substeps == 1 ? 4096 : std::max<int64_t>(256, 4096 / substeps);
    const int64_t n = latents.pairs, batch = std::min<int64_t>(per_step, n), d = options_.latent_dim;
    step_->begin_prior_refit();
    WeightedDraws by_weight;
    std::vector<int64_t> drawn;
    if (weighted()) {
      std::vector<int64_t> ids(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) ids[i] = i;
      by_weight = WeightedDraws(std::move(ids), latents.weights, {0, n});
      if (!(by_weight.total(0) > 0)) throw TrainingError("the prior refit's pairs all have weight 0");
      drawn.resize(static_cast<size_t>(batch));
    }
    std::vector<float> z0(static_cast<size_t>(batch * d)), z1(z0.size());  // the batch's latents
    for (int64_t s = 0; s < options_.prior_refit_steps; ++s) {
      stop_if_interrupted(options_.epochs, s, options_.prior_refit_steps);
      const double lr =
          options_.learning_rate * (0.01 + 0.99 * 0.5 * (1 + std::cos(M_PI * s / options_.prior_refit_steps)));
      torch::Tensor idx;
      const int64_t* rows = drawn.data();
      if (weighted()) {
        by_weight.draw(0, batch, draw_seed(), drawn.data());
      } else {
        idx = torch::randint(n, {batch}, generator_, torch::kLong);
        rows = idx.data_ptr<int64_t>();
      }
      for (int64_t i = 0; i < batch; ++i) {  // (element by element: a copy of d values is a memmove call)
        const float* a = latents.z0.data() + rows[i] * d;
        const float* b = latents.z1.data() + rows[i] * d;
        for (int64_t j = 0; j < d; ++j) {
          z0[i * d + j] = a[j];
          z1[i * d + j] = b[j];
        }
      }
      const double nll = step_->refit_prior_step(z0.data(), z1.data(), batch, lr);
      if (!std::isfinite(nll)) diverged(options_.epochs - 1, s, "prior loss while refitting the prior", nll);
    }
    measure_diffusion(latents);
  }

  /// The diffusion the final latent has under the refitted force (see
  /// Model::latent_diffusion), for priors whose moves it describes.
  void measure_diffusion(const RefitLatents& latents) {
    model_->latent_diffusion = Array();
    if (!moves_with_latent_diffusion(*model_->prior, kind_.dynamics)) return;
    model_->latent_diffusion = measure_latent_diffusion(*model_->prior, latents.z0.data(), latents.z1.data(),
                                                        latents.pairs, options_.latent_dim, latents.weights);
    if (!observer_) return;
    std::ostringstream os;
    os << std::setprecision(3);
    if (model_->latent_diffusion.size()) {
      os << "latent diffusion after the refit (residual moves' second moment / 2; the prior assumes 1): mean "
         << mean_diagonal(model_->latent_diffusion) << "; generated dynamics use it";
    } else {
      os << "latent diffusion after the refit: the residual moves' second moment is not positive definite (a "
            "collapsed latent?); generated dynamics keep the unit diffusion";
    }
    observer_->on_note(os.str());
  }

  /// The training pairs' latents, encoded once; past kRefitPairs pairs, a
  /// uniform random subset of that many (4 MB at d = 2) stands for them, so
  /// memory does not grow with the data.
  RefitLatents encode_refit_pairs() {
    const int64_t d = options_.latent_dim, n_train = pairs_.count(PairSet::train);
    RefitLatents out;
    const int64_t n = out.pairs = std::min(n_train, kRefitPairs);
    out.z0.resize(static_cast<size_t>(n * d));
    out.z1.resize(static_cast<size_t>(n * d));
    SplitMix64 rng(draw_seed());  // sequential sampling: n of the n_train, each subset equally likely
    std::vector<int64_t> chunk;
    int64_t seen = 0, taken = 0;
    auto flush = [&] {
      const int64_t m = static_cast<int64_t>(chunk.size());
      step_->encode(chunk.data(), m, 0, out.z0.data() + (taken - m) * d);
      step_->encode(chunk.data(), m, options_.lag, out.z1.data() + (taken - m) * d);
      chunk.clear();
    };
    for (int64_t q = 0; q < pairs_.size() && taken < n; ++q) {
      if (pairs_.is_test(q)) continue;
      const bool take =
          n == n_train || static_cast<int64_t>(rng.below(static_cast<uint64_t>(n_train - seen))) < n - taken;
      ++seen;
      if (!take) continue;
      chunk.push_back(pairs_.first_frame(q));
      if (weighted()) out.weights.push_back(pair_weights_[static_cast<size_t>(q)]);
      ++taken;
      if (chunk.size() == 512) flush();
    }
    flush();
    return out;
  }

  LossTerms evaluate(double beta) {
    LossTerms terms;
    torch::NoGradGuard no_grad;
    const int64_t steps = batches(PairSet::test);
    const StepLosses sums =
        step_->evaluate_batches(steps, [&](int64_t s) { return load_batch(PairSet::test, s); }, beta);
    terms.total = sums.loss;
    terms.reconstruction = sums.reconstruction;
    terms.regularization = sums.regularization;
    terms.prior = sums.prior;
    terms.batches = steps;
    average(terms);
    return terms;
  }

  static void accumulate(LossTerms& terms, const StepLosses& losses) {
    terms.total += losses.loss;
    terms.reconstruction += losses.reconstruction;
    terms.regularization += losses.regularization;
    terms.prior += losses.prior;
    terms.batches += 1;
  }

  /// Means over the batches; NaN (written "nan", shown "n/a") without any.
  static void average(LossTerms& terms) {
    if (terms.batches == 0) {
      terms.total = terms.reconstruction = terms.regularization = terms.prior = NAN;
      return;
    }
    const double n = static_cast<double>(terms.batches);
    terms.total /= n;
    terms.reconstruction /= n;
    terms.regularization /= n;
    terms.prior /= n;
  }

  /// Interrupted after the step in progress (SIGINT / SIGTERM): the last
  /// state given to the observer is the end of the epoch before.
  void stop_if_interrupted(int64_t epoch, int64_t step, int64_t steps) const {
    if (interrupt_signal()) stop_everywhere(epoch, step, steps);
  }

  /// This process or (data-parallel) another rank was interrupted: stop,
  /// after the same step as every rank.
  [[noreturn]] void stop_everywhere(int64_t epoch, int64_t step, int64_t steps) const {
    const int own = interrupt_signal();
    std::ostringstream os;
    os << (own ? "interrupted (signal " + std::to_string(own) + ")" : std::string("stopped: another rank was interrupted"))
       << " at epoch " << epoch << ", step " << step << " of " << steps << "; the last checkpoint holds the "
       << model_->epochs_trained << " epoch(s) before it";
    throw Interrupted(os.str(), own ? own : 15);
  }

  [[noreturn]] void diverged(int64_t epoch, int64_t step, const char* what, double value) {
    std::ostringstream os;
    os << "training diverged: " << what << " is " << value << " at epoch " << epoch << ", step " << step + 1;
    if (epoch > 0) {
      os << "; the model of epoch " << epoch - 1 << " is the last good one";
    }
    if (input_magnitude_ > 1e4) {
      os << ". The inputs reach " << input_magnitude_ << " in magnitude: rescale them (e.g. to unit variance) "
         << "before training.";
    } else {
      os << ". Try a smaller learning_rate or beta.";
    }
    throw TrainingError(os.str());
  }

  ModelOptions options_;
  DataParallel parallel_;
  const ModelKind& kind_;
  TrainingObserver* observer_;
  at::Generator generator_;
  std::vector<int64_t> lengths_;  // frames of each trajectory
  FrameRows inputs_, targets_;  // read in place
  PairIndex pairs_;             // the pairs (t, t + lag) and their split
  Resampler resampler_;
  std::shared_ptr<Model::Impl> model_;
  std::unique_ptr<TrainStep> step_;
  bool resampled_ = false;  // this epoch's batches come from resampler_
  RandomPermutation train_order_, test_order_;
  std::vector<double> pair_weights_;  // weighted frames: each pair's weight; else empty
  WeightedDraws plain_draws_[2];      // ... the train [0] and test [1] pairs with their weights
  uint64_t draw_key_ = 0;             // ... this epoch's draws (no resampling)
  double input_magnitude_ = 0;        // largest |x| of the inputs
  std::vector<int64_t> pair_ids_, first_frames_, encode_frames_;  // the loaded batch; the encoder's frames
  Array last_centers_;
  Clock::time_point t_start_ = Clock::now();
  double elapsed_ = 0;  // training time before t_start_ (the starts' epochs)
};

}  // namespace

namespace {

/// A start's events for the caller's observer: progress and notes as they
/// come, epochs as notes (the run's own epochs are those of the start kept),
/// no checkpoints (a run stopped among its starts begins them again).
class StartObserver : public TrainingObserver {
 public:
  StartObserver(TrainingObserver* to, int64_t start, int64_t starts)
      : to_(to), prefix_("start " + std::to_string(start + 1) + " of " + std::to_string(starts) + ": ") {}
  void on_step(int64_t epoch, int64_t step, int64_t steps) override { to_->on_step(epoch, step, steps); }
  void on_epoch(const EpochReport& r, const Model&) override { to_->on_note(prefix_ + format_epoch_line(r)); }
  void on_warning(const std::string& m) override { to_->on_warning(prefix_ + m); }
  void on_note(const std::string& m) override { to_->on_note(prefix_ + m); }

 private:
  TrainingObserver* to_;
  std::string prefix_;
};

/// Option standardize = auto: vector frames whose features' standard
/// deviations are more than kScaleSpread apart (constant features aside).
constexpr double kScaleSpread = 3.0;

bool scales_differ(const FeatureScaling& s, double* smallest, double* largest) {
  *smallest = INFINITY;
  *largest = 0;
  for (double v : s.scale) *largest = std::max(*largest, v);
  for (double v : s.scale) {
    if (v > 1e-12 * *largest && v != 1.0) *smallest = std::min(*smallest, v);
  }
  return *largest > kScaleSpread * *smallest;
}

/// Starts the option `starts` asks for in this training (1 when it cannot choose).
int64_t starts_to_train(const ModelOptions& options, TrainingObserver* observer) {
  const int64_t asked = options.starts_asked();
  if (asked <= 1) return 1;
  if (options.epochs <= options.epochs_per_start()) {
    if (observer && options.starts > 1) {
      observer->on_note("starts = " + std::to_string(asked) + " needs max_epochs (" + std::to_string(options.epochs) +
                        ") > start_epochs (" + std::to_string(options.epochs_per_start()) + "): one start is trained");
    }
    return 1;
  }
  return asked;
}

}  // namespace

// Sizes that follow from the options and the data (the networks' weights
/// with their gradients and Adam moments, per-frame latents and hidden
/// activations), estimated before anything is allocated and refused when
/// they exceed this machine's memory: a clear message, not the kernel's kill.
void check_training_memory(const ModelOptions& o, const TrajectorySet& data) {
  const std::vector<int64_t> shape = data.input_frame_shape();
  if (shape.size() != 1) return;  // image frames: convolutional nets, sized by their own checks
  const double in = static_cast<double>(shape[0]), d = static_cast<double>(o.latent_dim);
  const double hp = static_cast<double>(o.prior_hidden);
  double weights = 2 * (d * hp + hp * hp + hp * d), h1 = 0, h2 = 0;
  auto add_net = [&](double from, const std::vector<int64_t>& widths, double to, double& widest) {
    for (int64_t w : widths) {
      weights += from * static_cast<double>(w);
      from = static_cast<double>(w);
      widest = std::max(widest, from);
    }
    weights += from * to;
  };
  add_net(in, o.encoder_hidden_widths(), d, h1);
  add_net(d, o.decoder_hidden_widths(), in, h2);
  const double frames = static_cast<double>(data.total_frames());
  const double bytes = 2 * 4 * 4 * weights + 8 * frames * (d + std::max(h1, h2)) +
                       4 * static_cast<double>(o.projections) * (d + static_cast<double>(o.batch_size));
  const double memory = physical_memory_bytes();
  if (memory > 0 && bytes > memory) {
    std::ostringstream os;
    os << std::setprecision(3) << "d = " << o.latent_dim << ", widest hidden layers " << h1 << " / " << h2
       << " / " << o.prior_hidden << " and " << o.projections << " projections on "
       << data.total_frames() << " frames of " << shape[0] << " features need about " << bytes / 1e9
       << " GB, more than this machine's " << memory / 1e9 << " GB of memory; choose a smaller d, widths or projections";
    throw ConfigError(os.str());
  }
}

Model train_model(const ModelOptions& options, const TrajectorySet& data, TrainingObserver* observer,
                  std::vector<EpochReport>& history, StepFactory step_factory, const std::string& resume_state,
                  const DataParallel& parallel) {
  options.validate();
  if (data.empty()) throw DataError("no trajectories to train on");
  if (options.score_lag > 0) {  // refused now, not after the training that the figure ends
    int64_t longest = 0;
    for (int64_t n : data.lengths()) longest = std::max(longest, n);
    if (options.score_lag >= longest) {
      throw ConfigError("option score_lag = " + std::to_string(options.score_lag) + " is invalid: expected fewer frames "
                        "than the longest trajectory (" + std::to_string(longest) + ")");
    }
  }
  check_training_memory(options, data);
  // Option standardize: the networks train on standardised frames; the model
  // keeps the shift and scale, so it takes and gives raw frames.
  FeatureScaling inputs, targets;
  TrajectorySet scaled;
  bool standardize = options.standardize == "True";
  if (options.standardize == "auto" && data.input_frame_shape().size() == 1) {
    const FeatureScaling s = FeatureScaling::fit(data, false);
    double smallest = 0, largest = 0;
    standardize = scales_differ(s, &smallest, &largest);
    if (standardize && observer) {
      std::ostringstream os;
      os << std::setprecision(3) << "standardize = auto: the features' standard deviations range from " << smallest
         << " to " << largest << ", so they are trained on shifted and scaled to mean 0, sd 1 (the model keeps the "
         << "scaling; standardize = False trains on them as they are)";
      observer->on_note(os.str());
    }
  }
  if (standardize) {
    inputs = FeatureScaling::fit(data, false);
    bool own_targets = false;
    for (const Trajectory& t : data.trajectories()) own_targets = own_targets || !t.own_target.shape.empty();
    targets = own_targets ? FeatureScaling::fit(data, true) : inputs;
    scaled = scaled_trajectories(data, inputs, targets);
  }
  const TrajectorySet& used = standardize ? scaled : data;
  const StepFactory make_step = step_factory ? step_factory : make_train_step;
  // Option warm_start: TICA's slowest components, the encoders' first targets.
  std::vector<float> warm_targets;
  const bool vector_frames = data.input_frame_shape().size() == 1;
  const bool warm = resume_state.empty() && (options.warm_start == "tica" ||
                                              (options.warm_start == "auto" && options.model == "dynae" && vector_frames));
  if (warm) {
    if (!vector_frames) throw ConfigError("option warm_start = tica takes vector frames (TICA of image pixels is not offered)");
    const int64_t tica_lag = options.score_lag > 0 ? options.score_lag : auto_score_lag(options.lag, data.lengths());
    try {
      const PhaseScope phase(Phase::warm_start);
      warm_targets = slow_linear_targets(used, options.latent_dim, tica_lag, options.lag);
    } catch (const Error& e) {
      if (options.warm_start == "tica") throw ConfigError(std::string("option warm_start = tica: ") + e.what());
      if (observer) observer->on_note(std::string("warm start skipped (random weights): ") + e.what());
    }
  }
  const std::vector<float>* warm_start = warm_targets.empty() ? nullptr : &warm_targets;
  const int64_t starts = resume_state.empty() ? starts_to_train(options, observer) : 1;
  if (starts == 1) {  // (a resumed run is past its starts: its state says which was kept)
    TrainingLoop loop(options, used, observer, parallel);
    loop.set_scaling(inputs, targets);
    const int64_t first = loop.prepare(make_step, resume_state, warm_start);
    loop.train_epochs(first, options.epochs, history);
    return loop.finish_model();
  }
  // Several starts: each trained for start_epochs, scored by the slowest
  // implied timescale of its latent; the best is trained on.
  const auto t0 = Clock::now();
  std::unique_ptr<TrainingLoop> best;
  std::vector<EpochReport> best_history;
  std::vector<double> scores;
  int64_t chosen = 0;
  for (int64_t k = 0; k < starts; ++k) {
    std::unique_ptr<StartObserver> relay = observer ? std::make_unique<StartObserver>(observer, k, starts) : nullptr;
    auto loop = std::make_unique<TrainingLoop>(options, used, relay.get(), parallel, k);
    loop->set_scaling(inputs, targets);
    loop->prepare(make_step, "", warm_start);
    std::vector<EpochReport> h;
    try {
      loop->train_epochs(0, options.epochs_per_start(), h);
    } catch (const Interrupted& e) {
      // No checkpoint is written among the starts (each is a few epochs).
      const std::string what = e.what();
      throw Interrupted(what.substr(0, what.find(" at epoch")) + " in start " + std::to_string(k + 1) + " of " +
                            std::to_string(starts) + ", before the first checkpoint (the starts are trained again)",
                        e.signal);
    }
    const SlowTimescale q = loop->score_latent();
    double score = q.timescale;
    if (parallel.comm) score = std::stod(parallel.comm->broadcast(std::to_string(score)));  // rank 0's figure for all
    scores.push_back(score);
    if (observer) {
      std::ostringstream os;
      os << std::setprecision(4) << "start " << k + 1 << " of " << starts << ": slowest implied timescale "
         << score << " frames at lag " << q.lag << " after " << options.epochs_per_start() << " epochs";
      observer->on_note(os.str());
    }
    loop->set_observer(nullptr);
    if (!best || score > scores[chosen]) {
      best = std::move(loop);
      best_history = std::move(h);
      chosen = k;
    }
  }
  if (observer) {
    std::ostringstream os;
    os << "kept start " << chosen + 1 << " of " << starts << " (the slowest latent timescale); training it on to epoch "
       << options.epochs;
    observer->on_note(os.str());
  }
  best->set_observer(observer);
  best->set_starts(scores, chosen);
  best->set_elapsed(seconds_since(t0));
  if (observer) {
    const Model now = best->snapshot();
    for (const EpochReport& r : best_history) observer->on_epoch(r, now);
    best->checkpoint();
  }
  history = best_history;
  best->train_epochs(options.epochs_per_start(), options.epochs, history);
  return best->finish_model();
}

}  // namespace dynae
