#pragma once
// Where a training's time goes, without an external profiler: the fused
// training step and the trainer mark their phases (PhaseScope), and a
// benchmark that starts the clock reads each phase's seconds. Time is
// exclusive (a phase inside another pauses the outer one) and measured on the
// thread that started the clock only, so the phases add up to that thread's
// wall time; time that thread spends waiting for a thread team's other
// members is its own phase. Off (one relaxed load per scope) unless started.
// Torch-free.
#include <array>
#include <cstdint>

namespace dynae {

enum class Phase : int {
  other = 0,     ///< anything not marked below
  batch,         ///< looking up a batch's pairs and gathering their rows
  draws,         ///< the step's random noise and projection directions
  forward,       ///< the networks' forward passes
  loss,          ///< the losses' own arithmetic, apart from the sorts
  sorts,         ///< the sliced Wasserstein distance's sorts
  backward,      ///< the networks' backward passes
  gradient_sum,  ///< adding the batch pieces' gradients
  optimiser,     ///< Adam
  resampling,    ///< the epoch's encoding, clustering and reweighting of pairs
  refit,         ///< the prior refit after the last epoch (its own steps)
  warm_start,    ///< fitting the autoencoder to TICA's components before epoch 0
  quality,       ///< the quality figure of a latent (a start's or the final one)
  wait,          ///< waiting for a thread team's other members
  communication, ///< exchanging with (and waiting for) other ranks
  count
};

constexpr int kPhases = static_cast<int>(Phase::count);

/// "forward", "sorts", ...
const char* phase_name(Phase p);

/// Starts (or restarts, from zero) the clock on the calling thread.
void start_phase_clock();
/// Stops it; the totals stay readable.
void stop_phase_clock();
/// Seconds per phase since the clock was started.
std::array<double, kPhases> phase_seconds();

namespace phase_clock_detail {
bool on_this_thread();
Phase enter(Phase p);
void leave(Phase previous);
}  // namespace phase_clock_detail

/// Marks its lifetime as phase `p` (on the clock's thread, when it runs).
class PhaseScope {
 public:
  explicit PhaseScope(Phase p) : active_(phase_clock_detail::on_this_thread()) {
    if (active_) previous_ = phase_clock_detail::enter(p);
  }
  ~PhaseScope() {
    if (active_) phase_clock_detail::leave(previous_);
  }
  PhaseScope(const PhaseScope&) = delete;
  PhaseScope& operator=(const PhaseScope&) = delete;

 private:
  bool active_;
  Phase previous_ = Phase::other;
};

}  // namespace dynae
