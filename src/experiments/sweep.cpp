#include "dynae/experiments/sweep.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include "dynae/data/npy.h"
#include "dynae/data/trajectory_set.h"
#include "dynae/errors.h"
#include "dynae/experiments/run.h"
#include "util/atomic_file.h"

namespace dynae {
namespace {

std::string fmt(double v, const char* f = "%.4g") {
  if (!std::isfinite(v)) return "";
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

}  // namespace

Array load_truth(const std::vector<std::string>& truth_paths, const std::vector<int64_t>& lengths) {
  if (truth_paths.size() != lengths.size()) {
    throw ConfigError("give one truth file per input trajectory: " + std::to_string(lengths.size()) + " input(s), " +
                      std::to_string(truth_paths.size()) + " truth file(s)");
  }
  std::vector<Array> parts;
  for (size_t i = 0; i < truth_paths.size(); ++i) {
    Array t = read_npy(truth_paths[i]);
    if (t.rank() == 1) t.shape = {t.shape[0], 1};
    if (t.rank() != 2) throw DataError("'" + truth_paths[i] + "': truth must be (T, k), got " + t.shape_string());
    if (t.frames() != lengths[i]) {
      throw DataError("'" + truth_paths[i] + "': " + std::to_string(t.frames()) + " frames, but its trajectory has " +
                      std::to_string(lengths[i]));
    }
    check_finite(t, truth_paths[i]);
    parts.push_back(std::move(t));
  }
  return Array::concat_frames(parts);
}

namespace {

/// Whether `dir` holds a run (finished or not) started with exactly these settings.
bool same_run(const RunSettings& r, const std::string& dir) {
  std::ifstream cfg(dir + "/config.ini");
  if (!cfg) return false;
  std::stringstream text;
  text << cfg.rdbuf();
  if (text.str() == to_ini(r)) return true;
  // Feature columns are written resolved (run.cpp): compare with those of the data.
  RunSettings resolved = r;
  try {
    resolved.features = load_run_data(r).feature_names();
  } catch (const Error&) {
    return false;
  }
  return !resolved.features.empty() && text.str() == to_ini(resolved);
}

/// A finished run in `dir` with exactly these settings: fills `s` and returns true.
bool read_finished_run(const RunSettings& r, const std::string& dir, SweepRun& s, std::vector<std::string>& latents) {
  std::ifstream fin(dir + "/finished.txt");
  if (!fin || !same_run(r, dir)) return false;
  std::string key, eq;
  double seconds = -1;
  size_t trajectories = 0;
  while (fin >> key >> eq) {
    if (key == "training_seconds") fin >> seconds;
    else if (key == "trajectories") fin >> trajectories;
  }
  if (seconds < 0 || trajectories < r.input_paths.size()) return false;  // a COLVAR restart adds trajectories
  const Model m = Model::load(dir + "/model.pt");
  s.seconds = seconds;
  s.epochs = m.epochs_trained();
  for (size_t i = 0; i < trajectories; ++i) latents.push_back(dir + "/latent_traj" + std::to_string(i) + ".npy");
  const std::vector<EpochReport> history = read_loss_csv(dir + "/losses.csv");  // none for TICA
  if (!history.empty()) {
    s.train = history.back().train;
    s.test = history.back().test;
  }
  return true;
}

}  // namespace

std::vector<SweepRun> run_sweep(const std::vector<RunSettings>& runs, const std::string& out,
                                const std::vector<std::string>& truth_paths, std::FILE* progress, bool reuse,
                                bool overwrite) {
  std::vector<SweepRun> done;
  // Check the truth against the data before any training starts.
  Array truth;
  std::vector<int64_t> truth_lengths;
  if (!truth_paths.empty() && !runs.empty()) {
    truth_lengths = load_run_data(runs[0]).lengths();
    truth = load_truth(truth_paths, truth_lengths);
  }
  if (runs.size() > 1) make_directories(out);
  for (const auto& r : runs) {
    SweepRun s;
    s.label = r.label;
    s.dir = runs.size() > 1 ? out + "/" + r.label : out;
    s.options = r.options;
    std::vector<std::string> latent_paths;
    if (reuse && read_finished_run(r, s.dir, s, latent_paths)) {
      if (progress) std::fprintf(progress, "reusing the finished run in %s\n", s.dir.c_str());
    } else {
      if (progress) {
        std::fprintf(progress, "training %s on %zu trajector%s -> %s\n", model_display_name(r.options.model).c_str(),
                     r.input_paths.size(), r.input_paths.size() == 1 ? "y" : "ies", s.dir.c_str());
      }
      // --reuse continues an unfinished run with these settings; otherwise
      // a run already in the directory is replaced only with --overwrite.
      const RunStart start = reuse && !is_finished_run(s.dir) && same_run(r, s.dir) ? RunStart::Resume
                             : overwrite                                          ? RunStart::Overwrite
                                                                                  : RunStart::Fresh;
      RunResult res = run_training(r, s.dir, progress, start);
      s.epochs = res.model.epochs_trained();
      s.seconds = res.seconds;
      if (!res.history.empty()) {
        s.train = res.history.back().train;
        s.test = res.history.back().test;
      }
      latent_paths = res.latent_paths;
    }
    std::vector<Array> latents;
    std::vector<int64_t> lengths;
    for (const auto& p : latent_paths) {
      latents.push_back(read_npy(p));
      lengths.push_back(latents.back().frames());
    }
    s.latent = Array::concat_frames(latents);
    if (!truth_paths.empty()) {
      s.metrics = compare_latents(lengths == truth_lengths ? truth : load_truth(truth_paths, lengths), s.latent, lengths);
      s.has_metrics = true;
    }
    done.push_back(std::move(s));
    if (runs.size() > 1) {
      write_text_atomically(out + "/summary.md", sweep_summary_markdown(done));
      write_text_atomically(out + "/summary.csv", sweep_summary_csv(done));
    }
  }
  return done;
}

std::string sweep_summary_markdown(const std::vector<SweepRun>& runs) {
  const bool metrics = !runs.empty() && runs[0].has_metrics;
  std::ostringstream os;
  os << "| run | model | epochs | seconds | train loss | test loss | test reconstruction |"
     << (metrics ? " R^2 | disparity | anisotropy |" : "") << "\n|---|---|---|---|---|---|---|"
     << (metrics ? "---|---|---|" : "") << "\n";
  for (const auto& r : runs) {
    os << "| " << (r.label.empty() ? r.dir : r.label) << " | " << model_display_name(r.options.model) << " | "
       << r.epochs << " | " << fmt(r.seconds, "%.1f") << " | " << fmt(r.train.total) << " | " << fmt(r.test.total)
       << " | " << fmt(r.test.reconstruction) << " |";
    if (metrics) {
      os << " " << fmt(r.metrics.r2, "%.4f") << " | " << fmt(r.metrics.disparity, "%.4f") << " | "
         << fmt(r.metrics.anisotropy, "%.3f") << " |";
    }
    os << "\n";
  }
  return os.str();
}

std::string sweep_summary_csv(const std::vector<SweepRun>& runs) {
  std::ostringstream os;
  os.precision(8);
  os << "run,dir,model,seed,beta,epochs,seconds,train_total,test_total,test_reconstruction,test_regularization,"
        "r2,disparity,anisotropy,scale\n";
  for (const auto& r : runs) {
    os << r.label << "," << r.dir << "," << r.options.model << "," << r.options.seed << "," << r.options.beta << ","
       << r.epochs << "," << r.seconds << "," << r.train.total << "," << r.test.total << "," << r.test.reconstruction
       << "," << r.test.regularization << ",";
    if (r.has_metrics) {
      os << r.metrics.r2 << "," << r.metrics.disparity << "," << r.metrics.anisotropy << "," << r.metrics.scale;
    } else {
      os << ",,,";
    }
    os << "\n";
  }
  return os.str();
}

}  // namespace dynae
