// The dynae command line (cli/command_line.h): the subcommands, their parse,
// and the exit code of each kind of error.
#include "command_line.h"

#include <cstdio>
#include <exception>
#include <string>

#include "commands.h"
#include "dynae/errors.h"
#include "dynae/runtime.h"

namespace dynae::cli {

int run_command_line(int argc, char** argv) {
  CLI::App app{"dynae: dynamics-constrained autoencoders for stochastic time series\n"
               "(Wang, Wang, Evans, Tiwary, JCTC 2024, arXiv 2209.00905)"};
  app.set_version_flag("--version", std::string("dynae ") + DYNAE_VERSION);
  app.require_subcommand(1);
  add_train_command(app);
  add_encode_command(app);
  add_evaluate_command(app);
  add_demo_command(app);
  add_simulate_command(app);
  add_compare_command(app);
  add_landscape_command(app);
  add_generate_command(app);
  add_report_command(app);
  add_kinetics_command(app);
  add_export_command(app);
  add_ramachandran_command(app);
  add_align_command(app);
  add_diagnose_command(app);
  add_options_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // a command's own exit status (dynae diagnose: 3 = a direction flagged)
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    // A wrong option or value: exit 2 like every configuration error.
    const auto used = app.get_subcommands();
    const std::string command = used.empty() ? "" : " " + used[0]->get_name();
    if (used.empty() && argc > 1 && argv[1][0] != '-') {
      std::string names;
      for (const CLI::App* sub : app.get_subcommands({})) names += (names.empty() ? "" : ", ") + sub->get_name();
      std::fprintf(stderr, "dynae: usage error: '%s' is not a dynae command; expected one of %s\n", argv[1],
                   names.c_str());
      return 2;
    }
    std::fprintf(stderr, "dynae%s: usage error: %s\n(dynae%s --help lists the options)\n", command.c_str(), e.what(),
                 command.c_str());
    return 2;
  } catch (const dynae::Interrupted& e) {
    std::fprintf(stderr, "\ndynae: %s\n", e.what());
    return 128 + e.signal;
  } catch (const dynae::ConfigError& e) {
    std::fprintf(stderr, "\ndynae: configuration error: %s\n", e.what());
    return 2;
  } catch (const dynae::Error& e) {
    std::fprintf(stderr, "\ndynae: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::string what = e.what();  // LibTorch appends a backtrace: keep the message
    what = what.substr(0, what.find("\nException raised from"));
    std::fprintf(stderr, "\ndynae: internal error: %s\n", what.c_str());
    return 1;
  } catch (...) {
    std::fprintf(stderr, "\ndynae: internal error: an unknown exception\n");
    return 1;
  }
  return 0;
}

}  // namespace dynae::cli
