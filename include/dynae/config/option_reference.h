#pragma once
// The option reference page (docs/options.md), generated from the options
// table so that it cannot drift from what `dynae train`, INI files, the
// checkpoint and the Python package accept.
#include <string>

namespace dynae {

/// Markdown: one table per INI section, one row per option (INI key and
/// aliases, command-line flag, default, accepted values, help).
std::string option_reference_markdown();

}  // namespace dynae
