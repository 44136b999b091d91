// dynae options: the option reference (docs/options.md), generated from the
// options table.
#include <cstdio>
#include <memory>

#include "commands.h"
#include "dynae/atomic_file.h"
#include "dynae/config/option_reference.h"

namespace dynae::cli {

void add_options_command(CLI::App& app) {
  auto out = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "options", "every training option (INI key, flag, default, accepted values, meaning) as Markdown: the page "
                 "docs/options.md");
  cmd->add_option("--out,-o", *out, "write the page to this file (replaced) instead of printing it");
  cmd->callback([out] {
    const std::string page = option_reference_markdown();
    if (out->empty()) {
      std::fputs(page.c_str(), stdout);
    } else {
      write_text_atomically(*out, page);
    }
  });
}

}  // namespace dynae::cli
