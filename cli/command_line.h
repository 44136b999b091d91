#pragma once
// The whole `dynae` command line as a function: parses argv, runs the
// subcommand, maps errors to exit codes (1 = runtime/data/training error,
// 2 = usage or configuration, 128 + N = stopped by signal N after saving a
// consistent state). main() calls it; tests call it in a forked child to run
// many command lines without starting a process (and loading LibTorch) each time.
namespace dynae::cli {

int run_command_line(int argc, char** argv);

}  // namespace dynae::cli
