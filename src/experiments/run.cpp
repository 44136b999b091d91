#include "dynae/experiments/run.h"

#include <sys/stat.h>

#include <boost/crc.hpp>

#include <cerrno>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <memory>
#include <sstream>

#include "dynae/analysis/transformations.h"
#include "dynae/data/npy.h"
#include "dynae/errors.h"
#include "dynae/output_plan.h"
#include "dynae/models/model_kind.h"
#include "dynae/training/estimator.h"
#include "dynae/runtime.h"
#include "dynae/atomic_file.h"

namespace dynae {

void make_directories(const std::string& path) {
  if (path.empty()) return;
  std::string cur;
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    cur = path.substr(0, pos);
    if (cur.empty()) continue;
    if (::mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST) {
      throw Error("cannot create directory '" + cur + "': " + std::strerror(errno));
    }
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) throw Error("'" + path + "' is not a directory");
}

namespace {

/// Writes the checkpoint and loss table after every epoch, and progress
/// snapshots every log_interval epochs; forwards to the console printer.
class RunObserver : public TrainingObserver {
 public:
  RunObserver(const RunSettings& s, const std::string& dir, const TrajectorySet& data, std::FILE* progress)
      : s_(s), dir_(dir), data_(data), console_(progress ? progress : stderr, dir + "/train.log",
                                                 s.label.empty() ? "" : "[" + s.label + "] "),
        quiet_(progress == nullptr) {}

  void on_step(int64_t e, int64_t step, int64_t steps) override {
    if (!quiet_) console_.on_step(e, step, steps);
  }
  void on_warning(const std::string& m) override {
    if (!quiet_) console_.on_warning(m);
  }
  void on_note(const std::string& m) override {
    if (!quiet_) console_.on_note(m);
  }
  bool wants_checkpoints() const override { return true; }
  void on_checkpoint(const std::string& state) override {
    try {
      write_text_atomically(dir_ + "/checkpoint.pt", state);
    } catch (const Error& e) {
      throw CheckpointError(std::string("cannot write the training checkpoint: ") + e.what());
    }
  }
  /// The epochs of an earlier process of this run (a resume): rows from the
  /// epoch a new report has on are replaced by it.
  void set_past(std::vector<EpochReport> past) { history_ = std::move(past); }
  const std::vector<EpochReport>& history() const { return history_; }

  void on_epoch(const EpochReport& r, const Model& snapshot) override {
    while (!history_.empty() && history_.back().epoch >= r.epoch) history_.pop_back();
    history_.push_back(r);
    snapshot.save(dir_ + "/model.pt");
    write_text_atomically(dir_ + "/losses.csv", loss_csv(history_));
    if (!quiet_) console_.on_epoch(r, snapshot);
    if (s_.save_training_progress && (r.epoch + 1) % s_.log_interval == 0) {
      const std::string p = dir_ + "/progress/epoch" + std::to_string(r.epoch + 1);
      make_directories(dir_ + "/progress");
      snapshot.save(p + "_model.pt");
      for (size_t i = 0; i < data_.size(); ++i) {
        write_npy(p + "_latent_traj" + std::to_string(i) + ".npy", snapshot.encode(data_.trajectories()[i].input));
      }
    }
  }

 private:
  const RunSettings& s_;
  std::string dir_;
  const TrajectorySet& data_;
  ConsoleProgress console_;
  bool quiet_;
  std::vector<EpochReport> history_;
};

}  // namespace

/// CRC-32 and size of every value the run trains on (inputs, targets,
/// weights): a resumed run must see the data it started with.
static std::string data_fingerprint(const TrajectorySet& data) {
  boost::crc_32_type crc;
  int64_t values = 0;
  auto add = [&](const auto& v) {  // a vector or an array's Values
    if (!v.empty()) crc.process_bytes(v.data(), v.size() * sizeof(double));
    values += static_cast<int64_t>(v.size());
  };
  for (const auto& t : data.trajectories()) {
    for (int64_t k : t.input.shape) crc.process_bytes(&k, sizeof k);
    add(t.input.data);
    if (!t.own_target.shape.empty()) add(t.own_target.data);
  }
  add(data.weights());
  char text[80];
  std::snprintf(text, sizeof text, "crc32 %08x of %lld values", static_cast<unsigned>(crc.checksum()),
                static_cast<long long>(values));
  return text;
}

TrajectorySet load_run_data(const RunSettings& s) {
  const NpyMapping mapping = s.map_inputs == "always" ? NpyMapping::Always
                             : s.map_inputs == "never" ? NpyMapping::Never
                                                       : NpyMapping::Auto;
  TrajectorySet data =
      load_trajectories(s.input_paths, s.target_paths, ColumnSelection{s.features, ""}, weight_spec(s), mapping);
  if (!s.features.empty() && data.feature_names().empty()) {
    throw ConfigError("features (--features) selects named columns of COLVAR / CSV inputs, but '" + s.input_paths[0] +
                      "' is a .npy array, whose columns have no names: leave features out (every column is used), or "
                      "give the inputs as a table");
  }
  return data;
}

namespace {

/// Fields as one string (length-prefixed), and back: rank 0's word to the others.
std::string pack_fields(const std::vector<std::string>& fields) {
  std::string out;
  for (const std::string& f : fields) out += std::to_string(f.size()) + ":" + f;
  return out;
}

std::vector<std::string> unpack_fields(const std::string& bytes) {
  std::vector<std::string> fields;
  size_t pos = 0;
  while (pos < bytes.size()) {
    const size_t colon = bytes.find(':', pos);
    if (colon == std::string::npos) throw Error("data-parallel training: a damaged message from rank 0");
    const size_t n = std::stoull(bytes.substr(pos, colon - pos));
    fields.push_back(bytes.substr(colon + 1, n));
    pos = colon + 1 + n;
  }
  return fields;
}

/// STA's outputs (model kind sta): each transition's speeds per trajectory,
/// the fields on a grid over the latent's first two coordinates (the others
/// at their mean), and the summary figures in transformations.txt and the log.
void write_transformation_outputs(const Model& model, const TrajectorySet& data, const std::vector<Array>& latents,
                                  int64_t lag, const std::string& out_dir, std::FILE* progress) {
  std::vector<Array> inputs, targets;
  for (const auto& t : data.trajectories()) {
    inputs.push_back(t.input);
    targets.push_back(t.target());
  }
  const TransformationAnalysis a = analyse_transformations(model, inputs, targets, lag);
  for (size_t i = 0; i < a.speeds.size(); ++i) write_npy(out_dir + "/speeds_traj" + std::to_string(i) + ".npy", a.speeds[i]);
  // The grid: 25 x 25 over mean +- 3 sd of the latent's first two coordinates.
  const int64_t d = model.options().latent_dim, g = 25;
  std::vector<double> mean(static_cast<size_t>(d), 0.0), sd(static_cast<size_t>(d), 0.0);
  double n = 0;
  for (const Array& z : latents) {
    for (int64_t t = 0; t < z.frames(); ++t) {
      for (int64_t j = 0; j < d; ++j) {
        mean[j] += z.at(t, j);
        sd[j] += z.at(t, j) * z.at(t, j);
      }
    }
    n += static_cast<double>(z.frames());
  }
  for (int64_t j = 0; j < d; ++j) {
    mean[j] /= n;
    sd[j] = std::sqrt(std::max(0.0, sd[j] / n - mean[j] * mean[j]));
  }
  Array points = Array::zeros({g * g, d});
  for (int64_t r = 0; r < g * g; ++r) {
    for (int64_t j = 0; j < d; ++j) points.at(r, j) = mean[j];
    points.at(r, 0) = mean[0] + sd[0] * (-3.0 + 6.0 * static_cast<double>(r / g) / (g - 1));
    if (d > 1) points.at(r, 1) = mean[1] + sd[1] * (-3.0 + 6.0 * static_cast<double>(r % g) / (g - 1));
  }
  write_npy(out_dir + "/flow_field_points.npy", points);
  write_npy(out_dir + "/flow_fields.npy", model.flow_fields(points));
  std::ostringstream os;
  os << std::setprecision(5);
  auto list = [&os](const std::vector<double>& v) {
    for (size_t k = 0; k < v.size(); ++k) os << (k ? ", " : "") << v[k];
    os << "\n";
  };
  os << "potential_fields = " << model.options().sta_potential_fields << "\n";
  os << "rotational_fields = " << model.options().sta_rotational_fields << "\n";
  os << "lag = " << lag << "\n";
  os << "transitions = " << a.next_frame.transitions << "\n";
  os << "field_scale = ";
  list(a.field_scale);
  os << "field_share = ";
  list(a.field_share);
  os << "active_fields = " << a.active_fields << "\n";
  os << "rotational_share = " << a.rotational_share << "\n";
  os << "latent_equivariance_error = " << a.latent_equivariance << "\n";
  os << "next_frame_relative_error = " << a.next_frame.relative << "\n";
  os << "next_frame_mse = " << a.next_frame.mse << "\n";
  write_text_atomically(out_dir + "/transformations.txt", os.str());
  if (progress) {
    std::fprintf(progress,
                 "transformations: %.2f fields active per transition (of %lld; >= 10 %% of its |speed|), "
                 "equivariance error %.4f in the latent and %.4f in the frames (the next one from the fields, relative to "
                 "no change), speeds in speeds_traj*.npy\n",
                 a.active_fields, static_cast<long long>(model.flow_field_count()), a.latent_equivariance,
                 a.next_frame.relative);
  }
}

}  // namespace

void prepare_training(const RunSettings& s, const TrajectorySet& data) {
  s.options.validate();
  set_num_threads(s.threads);
  if (!model_kind(s.options.model).closed_form()) check_not_constant(data);
  check_training_memory(s.options, data);
}

Model fit_run(const RunSettings& s, const TrajectorySet& data, TrainingObserver* observer,
              std::vector<EpochReport>* history) {
  prepare_training(s, data);
  Estimator estimator(s.options);
  Model model = estimator.fit(data, observer);
  if (history) *history = estimator.history();
  return model;
}

RunResult run_training(const RunSettings& s, const std::string& out_dir, std::FILE* progress, RunStart start,
                       const DataParallel& parallel) {
  s.options.validate();
  Communicator* comm = parallel.comm;
  const bool writer = !comm || comm->rank() == 0;  // only rank 0 touches the directory
  if (!writer) progress = nullptr;
  const TrajectorySet data = load_run_data(s);  // bad data changes nothing on disk
  const std::string prefix = s.label.empty() ? "" : "[" + s.label + "] ";  // a sweep's run, in progress lines
  prepare_training(s, data);  // before the directory is touched
  // config.ini records the feature columns chosen (a default or a glob
  // resolved to names), so that the run reads other files with the same columns.
  RunSettings written = s;
  if (!data.feature_names().empty()) written.features = data.feature_names();
  std::string state;
  std::vector<EpochReport> past;
  check_data_parallel(parallel, s.options.batch_size);  // before the directory is touched
  const std::string fingerprint = data_fingerprint(data);  // (a pass over every value: once)
  if (comm) {
    // Before anything is written: every rank was given rank 0's settings and data.
    const std::string mine = pack_fields({to_ini(written), fingerprint});
    agree(*comm, comm->broadcast(mine) == mine,
          "the ranks were not given the settings and data that rank 0 was (their config.ini or data fingerprint "
          "differ): every rank must run the same command on the same files");
  }
  std::unique_ptr<RunDirectory> dir;
  if (writer) {
    // No input among the files the run writes (whatever --overwrite says).
    OutputPlan plan("train", true);
    for (const auto& p : s.input_paths) plan.input("--input", p);
    for (const auto& p : s.target_paths) plan.input("--target", p);
    for (const auto& p : s.weights_paths) plan.input("--weights", p);
    plan.folder("--out", out_dir, run_output_names());
    try {
      plan.check();
      check_run_start(out_dir, start);  // before the directory or its lock is made
      dir = std::make_unique<RunDirectory>(out_dir);
      dir->prepare(start);
      if (start == RunStart::Resume) {
        std::ifstream cfg(dir->file("config.ini"));
        std::stringstream text;
        text << cfg.rdbuf();
        if (text.str() != to_ini(written)) {
          throw ConfigError("'" + dir->file("config.ini") + "' differs from the settings given: --resume continues a "
                            "run with its own settings (give only --resume)");
        }
        std::ifstream fp(dir->file("data_fingerprint.txt"));
        std::string recorded;
        if (fp && std::getline(fp, recorded) && recorded != fingerprint) {
          throw Error("the data of '" + out_dir + "' changed since the run started (" + recorded + ", now " + fingerprint +
                      "): resuming would mix two data sets; --overwrite starts the run again");
        }
        std::ifstream ck(dir->file("checkpoint.pt"), std::ios::binary);
        if (ck) {
          std::stringstream bytes;
          bytes << ck.rdbuf();
          state = bytes.str();
          past = read_loss_csv(dir->file("losses.csv"));
        }
        if (progress) {
          std::fprintf(progress, "%sresuming %s from %s\n", prefix.c_str(), out_dir.c_str(),
                       state.empty() ? "the start (no checkpoint yet)" : "its last checkpoint");
        }
      } else {
        write_text_atomically(dir->file("data_fingerprint.txt"), fingerprint + "\n");
        write_text_atomically(dir->file("config.ini"), to_ini(written));
        std::remove(dir->file("train.log").c_str());
      }
    } catch (const std::exception& e) {
      if (comm) comm->broadcast(pack_fields({"error", e.what()}));
      throw;
    }
  }
  if (comm) {
    // Rank 0's go-ahead and (on --resume) its checkpoint reach every rank.
    const std::vector<std::string> word =
        unpack_fields(comm->broadcast(writer ? pack_fields({"ok", state}) : std::string()));
    if (word.size() == 2 && word[0] == "error") {
      throw Error("rank 0 could not start the run in '" + out_dir + "': " + word[1]);
    }
    if (word.size() != 2 || word[0] != "ok") throw Error("data-parallel training: a damaged message from rank 0");
    if (!writer) state = word[1];
    if (progress) {
      std::fprintf(progress, "%sdata-parallel training: %s; each batch of %lld pairs split between them\n",
                   prefix.c_str(), comm->describe().c_str(), static_cast<long long>(s.options.batch_size));
    }
  }

  std::unique_ptr<RunObserver> observer;  // (it opens train.log: rank 0's only)
  if (writer) {
    observer = std::make_unique<RunObserver>(s, out_dir, data, progress);
    observer->set_past(past);
  }
  TrainingObserver* observing = observer.get();
  if (data.weighted() && progress) {
    const WeightSpec w = weight_spec(s);
    std::fprintf(progress, "%sframe weights (%s, from %s): %lld frames worth %.1f equally weighted ones (Kish)\n",
                 prefix.c_str(), weight_kind_name(w.kind),
                 w.files.empty() ? ("column '" + w.column + "'").c_str() : "--weights files",
                 static_cast<long long>(data.total_frames()), effective_sample_size(data.weights()));
  }
  Estimator estimator(s.options);
  estimator.set_data_parallel(parallel);
  const auto t0 = std::chrono::steady_clock::now();
  Model model = [&] {
    try {
      return state.empty() ? estimator.fit(data, observing) : estimator.resume(data, state, observing);
    } catch (const Interrupted& e) {
      throw Interrupted(std::string(e.what()) + "; continue with: dynae train --resume " + out_dir, e.signal);
    }
  }();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (comm) {
    // Every rank must end with rank 0's model (identical steps on identical
    // sums); a difference would be a nondeterminism, said here, not hidden.
    boost::crc_32_type crc;
    const std::string bytes = model.to_bytes();
    crc.process_bytes(bytes.data(), bytes.size());
    const std::string mine = std::to_string(crc.checksum());
    agree(*comm, comm->broadcast(mine) == mine,
          "the ranks ended with different models (a nondeterminism between processes; please report it)");
  }
  if (!writer) return RunResult{model, out_dir, {}, {}, seconds};

  model.save(out_dir + "/model.pt");
  if (model.eigenvalues().size()) {  // a spectral model (TICA)
    write_npy(out_dir + "/tica_eigenvalues.npy", model.eigenvalues());
    if (progress) {
      std::fprintf(progress, "TICA at lag %lld: components scaled to unit variance; eigenvalues (implied timescales, frames):",
                   static_cast<long long>(s.options.lag));
      for (int64_t i = 0; i < std::min<int64_t>(model.eigenvalues().size(), s.options.latent_dim + 2); ++i) {
        const double l = model.eigenvalues().data[i];
        std::fprintf(progress, " %.6g (%.4g)", l, l > 0 && l < 1 ? -static_cast<double>(s.options.lag) / std::log(l) : NAN);
      }
      std::fprintf(progress, "\n");
    }
  }
  RunResult result{model, out_dir, {}, observer->history(), seconds};
  std::vector<Array> latents;
  for (size_t i = 0; i < data.size(); ++i) {
    const std::string idx = std::to_string(i);
    const Array z = model.encode(data.trajectories()[i].input);
    if (model.flow_field_count() > 0) latents.push_back(z);  // (STA's outputs use them again)
    result.latent_paths.push_back(out_dir + "/latent_traj" + idx + ".npy");
    write_npy(result.latent_paths.back(), z);
    if (model.is_variational()) {
      write_npy(out_dir + "/latent_logvar_traj" + idx + ".npy", model.log_variance(data.trajectories()[i].input));
    }
    if (s.save_traj_results) write_npy(out_dir + "/reconstruction_traj" + idx + ".npy", model.decode(z));
  }
  if (model.cluster_centers().size()) write_npy(out_dir + "/cluster_centers.npy", model.cluster_centers());
  if (model.flow_field_count() > 0) write_transformation_outputs(model, data, latents, s.options.lag, out_dir, progress);
  // Written last: its presence marks a finished run (see run_sweep's reuse).
  char done[128];
  std::snprintf(done, sizeof done, "training_seconds = %.6f\ntrajectories = %zu\ndata_parallel_shards = %lld\n", seconds,
                data.size(), static_cast<long long>(parallel.shards));
  write_text_atomically(out_dir + "/finished.txt", done);
  std::remove(dir->file("checkpoint.pt").c_str());  // a finished run needs no training state
  return result;
}

}  // namespace dynae
