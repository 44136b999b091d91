#pragma once
// Learned coordinates of a dipeptide judged against physics: how well each
// latent separates the phi sign (the slowest process), whether its free-energy
// basins are single Ramachandran basins, and whether an MSM on it has the
// slowest implied timescale of an MSM on (phi, psi), with VAMP-2 scores.
// What `dynae ramachandran` and bench/alanine_dipeptide.sh report.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "dynae/analysis/landscape.h"
#include "dynae/array.h"

namespace dynae {

struct RamachandranOptions {
  int64_t lag = 10;        ///< frames: MSMs and VAMP-2
  int64_t clusters = 100;  ///< k-means centres of every MSM (latent, and (sin, cos) of phi, psi)
  double dt_frame = 1;     ///< physical time of one frame
  std::string time_unit = "frames";
  LandscapeOptions landscape;  ///< the latent's free-energy basins (coordinates 0, 1)
  uint64_t seed = 0;           ///< k-means
  void validate() const;
};

struct LatentAssessment {
  std::string name;
  int64_t dim = 0;
  /// Logistic classifiers of phi > 0, fitted on the first half of the frames
  /// and scored on the second: on z (linear) and on z and its products (quadratic).
  double accuracy_linear = 0, accuracy_quadratic = 0;
  /// Free-energy basins of the latent: population, the Ramachandran basin
  /// most of its frames are in, and that share (purity).
  std::vector<double> basin_population, basin_purity;
  std::vector<int> basin_majority;
  double min_purity = 0;
  std::vector<double> its;  ///< slowest implied timescales of the MSM, frames
  double vamp2_latent = 0;  ///< VAMP-2 of the latent coordinates, fitted on the first half, scored on the second
  double vamp2_states = 0;  ///< the same for the MSM's k-means states (indicator functions)
  Landscape landscape;      ///< of the latent (its basins are the ones judged)
};

struct RamachandranResult {
  RamachandranOptions options;
  int64_t frames = 0;
  double phi_positive = 0;   ///< fraction of frames with phi > 0
  double phi_wrapped = 0;    ///< fraction with phi > 2.2 rad: beta basin across +-180 deg, yet phi > 0
  std::vector<double> basin_fraction;  ///< per Ramachandran basin (Basin order)
  int64_t phi_transitions = 0;
  std::vector<double> truth_its;       ///< MSM on k-means of (sin, cos) of (phi, psi), frames
  double truth_vamp2_states = 0;
  Landscape truth_landscape;  ///< F(phi, psi), degrees
  std::vector<LatentAssessment> latents;
};

/// `truth`: (phi, psi) in radians per trajectory; `latents`: named latents,
/// one (T_k, d >= 1) array per trajectory of the same lengths. Throws
/// DataError naming the latent for mismatched lengths or non-finite values.
RamachandranResult assess_against_ramachandran(const std::vector<Array>& truth,
                                               const std::vector<std::pair<std::string, std::vector<Array>>>& latents,
                                               const RamachandranOptions& options);

/// The result as a Markdown table (one row per latent, the (phi, psi) MSM first).
std::string ramachandran_table(const RamachandranResult& r);
/// dir/ramachandran.md and dir/ramachandran.csv, each atomically, and per
/// 2-D latent a figure dir/ramachandran_<name>.png/.svg: F(phi, psi) with the
/// Ramachandran basins labelled beside the latent's F with each basin labelled
/// by its main Ramachandran basin and purity.
void write_ramachandran(const std::string& dir, const RamachandranResult& r);
/// The names write_ramachandran writes in its folder, as shell patterns.
std::vector<std::string> ramachandran_output_names();

}  // namespace dynae
