#pragma once
// Write-then-rename, so that an output or checkpoint is either the old file or
// the complete new one, never a half-written one.
#include <functional>
#include <string>

namespace dynae {

/// Calls `write(tmp_path)` with a temporary path next to `path`, then renames
/// it onto `path`. On any exception the temporary file is removed and `path`
/// is untouched; the exception propagates.
void write_atomically(const std::string& path, const std::function<void(const std::string&)>& write);

/// write_atomically for a string's bytes.
void write_text_atomically(const std::string& path, const std::string& contents);

}  // namespace dynae
