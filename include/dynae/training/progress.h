#pragma once
// What training reports while it runs, and how a caller listens to it.
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace dynae {

class Model;

/// Mean losses over a set of batches.
struct LossTerms {
  double total = 0;           ///< reconstruction + beta * regularization
  double reconstruction = 0;  ///< summed squared error per frame pair
  double regularization = 0;  ///< sliced Wasserstein distance of moves
  double prior = 0;           ///< transition negative log-likelihood
  int64_t batches = 0;
};

struct EpochReport {
  int64_t epoch = 0;        ///< 0-based; epoch 0 is the warm-up
  int64_t epochs = 0;       ///< total planned
  int64_t steps = 0;        ///< optimizer steps (batches) in this epoch
  double seconds = 0;       ///< wall time of this epoch, test evaluation included
  double elapsed = 0;       ///< wall time since training started
  double learning_rate = 0; ///< autoencoder learning rate used in this epoch
  double beta = 0;          ///< beta used in this epoch
  int64_t clusters = 0;     ///< regular-space clusters of this epoch's resampling (0 in warm-up)
  LossTerms train;          ///< mean over this epoch's training batches
  LossTerms test;           ///< mean over the (resampled) test batches after the epoch
};

/// Receives training events; every method has a do-nothing default.
class TrainingObserver {
 public:
  virtual ~TrainingObserver() = default;
  /// After each optimizer step of an epoch (step is 1-based).
  virtual void on_step(int64_t /*epoch*/, int64_t /*step*/, int64_t /*steps*/) {}
  /// After each epoch, with a snapshot of the model as it is now.
  virtual void on_epoch(const EpochReport& /*report*/, const Model& /*snapshot*/) {}
  /// A warning worth showing a user (e.g. resampling found a single cluster).
  virtual void on_warning(const std::string& /*message*/) {}
  /// Something training chose by itself that a user should know (e.g. the
  /// prior's substeps).
  virtual void on_note(const std::string& /*message*/) {}
  /// Whether on_checkpoint should be called (it costs a serialisation per epoch).
  virtual bool wants_checkpoints() const { return false; }
  /// After each epoch's on_epoch: the whole training state (weights,
  /// optimizer moments, random generator, epoch) as bytes, from which
  /// Estimator::fit continues exactly as if it had not stopped.
  virtual void on_checkpoint(const std::string& /*state*/) {}
};

/// Formats seconds as "42s", "3m05s" or "1h02m".
std::string format_duration(double seconds);

/// One human-readable line for an epoch: losses, epoch time and ETA.
std::string format_epoch_line(const EpochReport& r);


/// Prints one line per epoch (losses, epoch time, ETA) to `out`, and a
/// progress bar within the epoch when `out` is a terminal. Also appends each
/// epoch line to `log_path` when one is given.
class ConsoleProgress : public TrainingObserver {
 public:
  explicit ConsoleProgress(std::FILE* out = stderr, std::string log_path = "", std::string prefix = "");
  void on_step(int64_t epoch, int64_t step, int64_t steps) override;
  void on_epoch(const EpochReport& report, const Model& snapshot) override;
  void on_warning(const std::string& message) override;
  void on_note(const std::string& message) override;

 private:
  std::FILE* out_;
  std::string log_path_;
  std::string prefix_;
  bool tty_;
  int last_percent_ = -1;
};

/// The loss history as CSV (one row per epoch: epoch, seconds, lr, beta,
/// clusters, then train_ and test_ total, reconstruction, regularization, prior).
std::string loss_csv(const std::vector<EpochReport>& history);

/// Reads a file written from loss_csv back (epochs, seconds, lr, beta,
/// clusters and both loss sets; epochs_planned and elapsed are not stored).
/// A missing file or one without rows gives an empty history.
std::vector<EpochReport> read_loss_csv(const std::string& path);

}  // namespace dynae
