#pragma once
// Pictures, drawn by gnuplot (Debian package gnuplot-nox; png via cairo, svg).
// Each function writes STEM.png and STEM.svg and throws Error naming the
// figure when gnuplot is missing or fails.
#include <array>
#include <string>
#include <vector>

#include "dynae/analysis/ck_test.h"
#include "dynae/analysis/helmholtz.h"
#include "dynae/analysis/landscape.h"

namespace dynae {

/// Size of every PNG, in pixels (the SVGs have the same nominal size).
constexpr int kFigureWidth = 800, kFigureHeight = 600;

/// Free energy as a filled (banded) map with the basin minima, and the force
/// field as arrows over it when `force` is given ((n, n, d) on the grid).
void plot_free_energy(const Landscape& l, const Array& force, const std::string& stem);
/// The Helmholtz split of a force on a 2-D landscape: the curl-free and the
/// divergence-free part as arrows (one scale for both) over the free energy,
/// side by side.
void plot_helmholtz(const Landscape& l, const HelmholtzSplit& split, const std::string& stem);
/// One panel of plot_free_energy_panels: a 2-D landscape with text labels.
struct FreeEnergyPanel {
  const Landscape* landscape = nullptr;
  std::string title, xlabel, ylabel;
  std::vector<std::pair<std::array<double, 2>, std::string>> labels;  ///< (x, y) and text
};
/// 2-D free-energy maps side by side (one row), each with its labels.
void plot_free_energy_panels(const std::vector<FreeEnergyPanel>& panels, const std::string& stem);
/// One epoch's losses for the loss figure.
struct LossPoint {
  int64_t epoch = 0;
  double train_total = 0, test_total = 0, train_reconstruction = 0, test_reconstruction = 0;
};
/// Train and test total and reconstruction losses per epoch, log scale.
void plot_losses(const std::vector<LossPoint>& history, const std::string& stem);
/// Each latent coordinate, similarity-Procrustes aligned to the truth (T, k),
/// against the matching true coordinate (at most 2000 points).
void plot_latent_vs_truth(const Array& latent, const Array& truth, const std::string& stem);
/// Free energy of the generated and the encoded latents along each landscape
/// axis (marginals of the grid histograms).
void plot_generated_vs_encoded(const Landscape& l, const std::vector<double>& encoded_histogram,
                               const std::vector<double>& generated_histogram, const std::string& stem);

/// One implied-timescale curve: a process of a source, against the lag.
struct TimescaleCurve {
  std::string label;
  int64_t process = 0;  ///< colour
  int64_t style = 0;    ///< dash pattern (one per source)
  std::vector<double> lag, timescale, lower, upper;  ///< in the figure's time unit
};
/// Implied timescales against the lag, both axes log scale, bootstrap
/// intervals as bands, and the line timescale = lag below which a process
/// cannot be resolved.
void plot_implied_timescales(const std::vector<TimescaleCurve>& curves, const std::string& time_unit,
                             const std::string& stem);
/// The Chapman-Kolmogorov test as a grid of panels (from set A, to set B;
/// at most 5 x 5): predicted line, estimated points, against k tau.
void plot_ck_test(const CkResult& ck, double dt_frame, const std::string& time_unit, const std::string& stem);

/// Runs `script` through gnuplot; `what` names the figure in errors.
void run_gnuplot(const std::string& script, const std::string& what);

}  // namespace dynae
