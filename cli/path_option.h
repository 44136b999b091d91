#pragma once
// Path options: an empty value (--out-obs "") is refused while the command
// line is read, never taken as "not given".
#include <CLI/CLI.hpp>
#include <string>

namespace dynae::cli {

inline CLI::Validator non_empty_path() {
  return CLI::Validator(
      [](std::string& text) -> std::string { return text.empty() ? "is empty: expected a path" : std::string(); },
      "PATH");
}

}  // namespace dynae::cli
