#pragma once
// Each `dynae` subcommand registers its flags and its action on the app.
#include <CLI/CLI.hpp>

#include "dynae/analysis/landscape.h"

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

/// The landscape flags (--grid, --coords, --smoothing, ...) shared by
/// landscape, generate and report.
void add_landscape_options(CLI::App* cmd, LandscapeOptions& o);

}  // namespace dynae::cli
