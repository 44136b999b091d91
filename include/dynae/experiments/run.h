#pragma once
// One complete training run as `dynae train` does it: load the data, fit,
// and write every output into one directory.
#include <cstdio>
#include <string>
#include <vector>

#include "dynae/config/run_settings.h"
#include "dynae/data/trajectory_set.h"
#include "dynae/experiments/run_directory.h"
#include "dynae/models/model.h"
#include "dynae/training/communicator.h"
#include "dynae/training/progress.h"

namespace dynae {

struct RunResult {
  Model model;
  std::string out_dir;
  std::vector<std::string> latent_paths;  ///< one per input trajectory
  std::vector<EpochReport> history;
  double seconds = 0;                     ///< training wall time
};

/// Trains per `settings` and writes to `out_dir` (created if needed):
///   config.ini                  the resolved settings
///   model.pt                    checkpoint, rewritten atomically after every epoch
///                               (after a NaN it still holds the last good epoch)
///   losses.csv                  train/test losses per epoch (loss_csv)
///   train.log                   the progress lines
///   latent_traj<i>.npy          (T_i, d) latent of every frame of input i
///                               (VAE, SDE-VAE: the posterior mean)
///   latent_logvar_traj<i>.npy   (T_i, d) posterior log-variance (VAE, SDE-VAE)
///   tica_eigenvalues.npy        every TICA eigenvalue, descending (TICA)
///   reconstruction_traj<i>.npy  (T_i, ...) when save_traj_results
///   cluster_centers.npy         (K, d) centres of the final regular-space clustering (DynAE)
///   checkpoint.pt               the whole training state after the last epoch
///                               (RunStart::Resume continues from it); removed
///                               once the run is finished
///   finished.txt                training time; written last, so it marks a complete run
///   progress/epoch<E>_...       latents and checkpoints every log_interval
///                               epochs when save_training_progress
/// The directory is locked while the run works in it (run_directory.h);
/// `start` says what to do with a run already there. With Resume the
/// settings must be those of its config.ini; the result is then the
/// uninterrupted run's, bit for bit at the same thread count. The data is
/// read before the directory is touched. Progress lines go to `progress`
/// (nullptr: silent). Interrupted (SIGINT / SIGTERM after catch_interrupts)
/// leaves the directory unfinished and resumable.
/// Data-parallel (`parallel.comm`): every rank calls this with the same
/// settings and `out_dir`; only rank 0 locks the directory, reads the
/// checkpoint (which it hands to the others) and writes; the ranks check
/// that they were given the same settings and data. The others return the
/// same model with no paths.
RunResult run_training(const RunSettings& settings, const std::string& out_dir, std::FILE* progress = stderr,
                       RunStart start = RunStart::Fresh, const DataParallel& parallel = {});

/// What run_training does before it trains, for data however given: the
/// options valid, this process's threads set (set_num_threads), the frames
/// not all constant (trained models), the training's memory within this
/// machine's. Throws ConfigError / DataError.
void prepare_training(const RunSettings& settings, const TrajectorySet& data);

/// Trains per `settings` on `data` in memory as run_training does, with no
/// file read or written: the same model, bit for bit, at the same threads.
/// `history` (if given) receives the epochs' reports. Interrupted when
/// interrupt_signal() is set (dynae/runtime.h), after the step in progress.
Model fit_run(const RunSettings& settings, const TrajectorySet& data, TrainingObserver* observer = nullptr,
              std::vector<EpochReport>* history = nullptr);

/// The run's data as its settings give it: inputs, targets, feature columns
/// and frame weights.
TrajectorySet load_run_data(const RunSettings& settings);

/// Creates a directory and its parents; throws Error naming it on failure.
void make_directories(const std::string& path);

}  // namespace dynae
