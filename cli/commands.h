#pragma once
// Each `dynae` subcommand registers its flags and its action on the app.
#include <CLI/CLI.hpp>

namespace dynae::cli {

void add_train_command(CLI::App& app);
void add_encode_command(CLI::App& app);
void add_evaluate_command(CLI::App& app);
void add_demo_command(CLI::App& app);

/// Prints the metrics table; with bars, marks each value PASS/FAIL.
struct MetricsPrintOptions {
  bool with_bars = false;
  const char* reference_label = "truth";
};

}  // namespace dynae::cli
