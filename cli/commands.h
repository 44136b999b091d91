#pragma once
// Each `dynae` subcommand registers its flags and its action on the app.
#include <CLI/CLI.hpp>

#include "dynae/analysis/landscape.h"
#include "dynae/data/frame_weights.h"

namespace dynae::cli {

void add_train_command(CLI::App& app);
void add_encode_command(CLI::App& app);
void add_evaluate_command(CLI::App& app);
void add_demo_command(CLI::App& app);
void add_simulate_command(CLI::App& app);
void add_compare_command(CLI::App& app);
void add_landscape_command(CLI::App& app);
void add_generate_command(CLI::App& app);
void add_report_command(CLI::App& app);
void add_kinetics_command(CLI::App& app);
void add_export_command(CLI::App& app);
void add_ramachandran_command(CLI::App& app);
void add_align_command(CLI::App& app);
void add_diagnose_command(CLI::App& app);
void add_options_command(CLI::App& app);

/// The landscape flags (--grid, --coords, --smoothing, ...) shared by
/// landscape, generate and report.
void add_landscape_options(CLI::App* cmd, LandscapeOptions& o);

/// The frame-weight flags of `train` (--weights, --weights-column,
/// --weights-kind, --kT) for commands that read data without a run's config.
struct WeightArgs {
  std::vector<std::string> files;
  std::string column, kind = "weights";
  double kT = 0;
  WeightSpec spec() const;
};
void add_weight_options(CLI::App* cmd, WeightArgs& w);

/// Reads one .npy per path; every value must be finite (the message names the
/// file and frame). Used by kinetics and ramachandran.
std::vector<Array> read_finite_arrays(const std::vector<std::string>& paths);

}  // namespace dynae::cli
