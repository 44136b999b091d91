#include "dynae/experiments/sweep.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "dynae/data/npy.h"
#include "dynae/data/trajectory_set.h"
#include "dynae/errors.h"
#include "dynae/experiments/run.h"
#include "dynae/atomic_file.h"

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
  s.quality = m.quality();
  for (size_t i = 0; i < trajectories; ++i) latents.push_back(dir + "/latent_traj" + std::to_string(i) + ".npy");
  const std::vector<EpochReport> history = read_loss_csv(dir + "/losses.csv");  // none for TICA
  if (!history.empty()) {
    s.train = history.back().train;
    s.test = history.back().test;
  }
  return true;
}

}  // namespace

void parse_shard(const std::string& text, int64_t& shard, int64_t& shards) {
  const size_t slash = text.find('/');
  bool ok = slash != std::string::npos && slash > 0 && slash + 1 < text.size();
  if (ok) {
    try {
      size_t a = 0, b = 0;
      shard = std::stoll(text.substr(0, slash), &a);
      shards = std::stoll(text.substr(slash + 1), &b);
      ok = a == slash && b == text.size() - slash - 1 && shards >= 1 && shard >= 0 && shard < shards;
    } catch (const std::exception&) {
      ok = false;
    }
  }
  if (!ok) throw ConfigError("--shard '" + text + "': expected I/N with 0 <= I < N, e.g. 0/4");
}

bool shard_from_slurm_array(int64_t& shard, int64_t& shards) {
  const char* id = std::getenv("SLURM_ARRAY_TASK_ID");
  const char* count = std::getenv("SLURM_ARRAY_TASK_COUNT");
  if (!id || !count || !*id || !*count) return false;
  const char* min = std::getenv("SLURM_ARRAY_TASK_MIN");
  try {
    const int64_t i = std::stoll(id) - (min && *min ? std::stoll(min) : 0), n = std::stoll(count);
    if (n < 1 || i < 0 || i >= n) throw std::out_of_range("");
    shard = i;
    shards = n;
  } catch (const std::exception&) {
    throw ConfigError(std::string("SLURM_ARRAY_TASK_ID=") + id + ", SLURM_ARRAY_TASK_COUNT=" + count +
                      ", SLURM_ARRAY_TASK_MIN=" + (min ? min : "") +
                      ": expected a contiguous array (e.g. --array=0-3); or give --shard I/N");
  }
  return true;
}

void choose_sweep_shard(const std::string& flag, size_t runs, SweepOptions& o) {
  if (!flag.empty()) {
    if (o.collect) throw ConfigError("--collect gathers every shard's runs: drop --shard");
    parse_shard(flag, o.shard, o.shards);
  } else if (runs > 1 && !o.collect && shard_from_slurm_array(o.shard, o.shards)) {
    std::fprintf(stderr, "Slurm array task: this process runs shard %lld/%lld of the %zu runs\n",
                 static_cast<long long>(o.shard), static_cast<long long>(o.shards), runs);
  }
}

namespace {

std::string sweep_dir(const std::vector<RunSettings>& runs, const std::string& out, const RunSettings& r) {
  return runs.size() > 1 ? out + "/" + r.label : out;
}

/// The run's latents read back, and its metrics against the truth.
void score(SweepRun& s, const std::vector<std::string>& latent_paths, const std::vector<std::string>& truth_paths,
           const Array& truth, const std::vector<int64_t>& truth_lengths) {
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
}

void write_summaries(const std::string& out, const std::vector<SweepRun>& done) {
  write_text_atomically(out + "/summary.md", sweep_summary_markdown(done));
  write_text_atomically(out + "/summary.csv", sweep_summary_csv(done));
}

/// --collect: the summary of the finished runs, in the sweep's order.
std::vector<SweepRun> collect_sweep(const std::vector<RunSettings>& runs, const std::string& out,
                                    const SweepOptions& o, const Array& truth, const std::vector<int64_t>& truth_lengths) {
  std::vector<SweepRun> done;
  std::vector<std::string> missing;
  for (const auto& r : runs) {
    SweepRun s;
    s.label = r.label;
    s.dir = sweep_dir(runs, out, r);
    s.options = r.options;
    std::vector<std::string> latent_paths;
    if (!read_finished_run(r, s.dir, s, latent_paths)) {
      missing.push_back(s.dir + (is_finished_run(s.dir) ? " (finished, with other settings)"
                                 : std::ifstream(s.dir + "/config.ini") ? " (unfinished)"
                                                                         : " (not started)"));
      continue;
    }
    score(s, latent_paths, o.truth_paths, truth, truth_lengths);
    done.push_back(std::move(s));
  }
  if (runs.size() > 1 && !done.empty()) write_summaries(out, done);
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += "\n  " + m;
    throw Error(std::to_string(missing.size()) + " of " + std::to_string(runs.size()) + " runs of the sweep in '" + out +
                "' are not finished" + (done.empty() ? "" : " (the summary lists the " + std::to_string(done.size()) +
                                                                 " finished ones)") +
                ":" + list + "\nrun their shards again with --reuse (finished runs are kept, unfinished ones resumed)");
  }
  return done;
}

}  // namespace

std::vector<SweepRun> run_sweep(const std::vector<RunSettings>& runs, const std::string& out,
                                const std::vector<std::string>& truth_paths, std::FILE* progress, bool reuse,
                                bool overwrite) {
  SweepOptions o;
  o.truth_paths = truth_paths;
  o.progress = progress;
  o.reuse = reuse;
  o.overwrite = overwrite;
  return run_sweep(runs, out, o);
}

std::vector<SweepRun> run_sweep(const std::vector<RunSettings>& runs, const std::string& out, const SweepOptions& o) {
  if (o.shards < 1 || o.shard < 0 || o.shard >= o.shards) {
    throw ConfigError("sweep shard " + std::to_string(o.shard) + "/" + std::to_string(o.shards) + ": expected I/N with 0 <= I < N");
  }
  Communicator* comm = o.parallel.comm;
  const bool writer = !comm || comm->rank() == 0;
  std::FILE* progress = writer ? o.progress : nullptr;
  // Check the truth against the data before any training starts.
  Array truth;
  std::vector<int64_t> truth_lengths;
  if (writer && !o.truth_paths.empty() && !runs.empty()) {
    truth_lengths = load_run_data(runs[0]).lengths();
    truth = load_truth(o.truth_paths, truth_lengths);
  }
  if (o.collect) return collect_sweep(runs, out, o, truth, truth_lengths);
  const bool sharded = o.shards > 1;
  if (runs.size() > 1 && writer && !o.overwrite && !o.reuse) {
    // The summaries are the sweep's own: a folder holding files of those names
    // but none of this sweep's runs holds the user's files.
    bool earlier = false;
    for (const auto& r : runs) earlier = earlier || std::ifstream(sweep_dir(runs, out, r) + "/config.ini").good();
    for (const char* name : {"summary.md", "summary.csv"}) {
      if (!earlier && std::ifstream(out + "/" + name).good()) {
        throw Error("'" + out + "' holds '" + name + "' but no run of this sweep: it would be replaced; choose another "
                    "--out, or --overwrite replaces it");
      }
    }
  }
  if (runs.size() > 1 && writer) make_directories(out);
  std::vector<SweepRun> done;
  int64_t mine = 0;
  for (size_t j = 0; j < runs.size(); ++j) {
    if (static_cast<int64_t>(j) % o.shards != o.shard) continue;
    ++mine;
    const RunSettings& r = runs[j];
    SweepRun s;
    s.label = r.label;
    s.dir = sweep_dir(runs, out, r);
    s.options = r.options;
    std::vector<std::string> latent_paths;
    // Rank 0 decides whether the run is reused; the other ranks follow it.
    bool reused = writer && o.reuse && read_finished_run(r, s.dir, s, latent_paths);
    if (comm) reused = comm->broadcast(reused ? "reuse" : "train") == "reuse";
    if (reused) {
      if (progress) std::fprintf(progress, "reusing the finished run in %s\n", s.dir.c_str());
    } else {
      if (progress) {
        std::fprintf(progress, "training %s on %zu trajector%s -> %s\n", model_display_name(r.options.model).c_str(),
                     r.input_paths.size(), r.input_paths.size() == 1 ? "y" : "ies", s.dir.c_str());
      }
      // --reuse continues an unfinished run with these settings; otherwise
      // a run already in the directory is replaced only with --overwrite.
      const RunStart start = !writer                                                   ? RunStart::Fresh
                             : o.reuse && !is_finished_run(s.dir) && same_run(r, s.dir) ? RunStart::Resume
                             : o.overwrite                                             ? RunStart::Overwrite
                                                                                       : RunStart::Fresh;
      RunResult res = run_training(r, s.dir, progress, start, o.parallel);
      s.epochs = res.model.epochs_trained();
      s.quality = res.model.quality();
      s.seconds = res.seconds;
      if (!res.history.empty()) {
        s.train = res.history.back().train;
        s.test = res.history.back().test;
      }
      latent_paths = res.latent_paths;
    }
    if (!writer) {  // the run's outputs are rank 0's
      done.push_back(std::move(s));
      continue;
    }
    score(s, latent_paths, o.truth_paths, truth, truth_lengths);
    done.push_back(std::move(s));
    if (runs.size() > 1 && !sharded) write_summaries(out, done);
  }
  if (sharded && progress) {
    std::fprintf(progress,
                 "shard %lld/%lld: %lld of the sweep's %zu runs done; once every shard has finished, the same command "
                 "with --collect (in place of --shard) writes the summary\n",
                 static_cast<long long>(o.shard), static_cast<long long>(o.shards), static_cast<long long>(mine),
                 runs.size());
  }
  return done;
}

std::string sweep_summary_markdown(const std::vector<SweepRun>& runs) {
  const bool metrics = !runs.empty() && runs[0].has_metrics;
  std::ostringstream os;
  os << "| run | model | epochs | seconds | train loss | test loss | test reconstruction | slowest latent timescale "
        "(frames) |"
     << (metrics ? " R^2 | disparity | anisotropy |" : "") << "\n|---|---|---|---|---|---|---|---|"
     << (metrics ? "---|---|---|" : "") << "\n";
  for (const auto& r : runs) {
    os << "| " << (r.label.empty() ? r.dir : r.label) << " | " << model_display_name(r.options.model) << " | "
       << r.epochs << " | " << fmt(r.seconds, "%.1f") << " | " << fmt(r.train.total) << " | " << fmt(r.test.total)
       << " | " << fmt(r.test.reconstruction) << " | "
       << (r.quality.measured() ? fmt(r.quality.timescale, "%.4g") + " at lag " + std::to_string(r.quality.lag) : "")
       << " |";
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
        "r2,disparity,anisotropy,scale,slowest_timescale,score_lag\n";
  for (const auto& r : runs) {
    os << r.label << "," << r.dir << "," << r.options.model << "," << r.options.seed << "," << r.options.beta << ","
       << r.epochs << "," << r.seconds << "," << r.train.total << "," << r.test.total << "," << r.test.reconstruction
       << "," << r.test.regularization << ",";
    if (r.has_metrics) {
      os << r.metrics.r2 << "," << r.metrics.disparity << "," << r.metrics.anisotropy << "," << r.metrics.scale;
    } else {
      os << ",,,";
    }
    if (r.quality.measured()) {
      os << "," << r.quality.timescale << "," << r.quality.lag;
    } else {
      os << ",,";
    }
    os << "\n";
  }
  return os.str();
}

}  // namespace dynae
