#pragma once
// Helpers shared by the tests: scratch directories and small files.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#ifdef DYNAE_EXAMPLES_DIR
/// The bundled example data's folder (with a trailing slash).
inline const std::string kData = std::string(DYNAE_EXAMPLES_DIR) + "/data/";
#endif

namespace dynae::test {

/// A fresh scratch directory under /tmp, unique per test process and name.
inline std::string scratch_dir(const std::string& name) {
  const std::string d = "/tmp/dynae_test_" + std::to_string(::getpid()) + "_" + name;
  std::system(("rm -rf '" + d + "' && mkdir -p '" + d + "'").c_str());
  return d;
}

inline void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f << bytes;
}

inline std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

inline bool file_exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

#ifdef DYNAE_CLI
struct CliResult {
  int code;
  std::string output;
};

/// Runs `dynae args` (from `cwd` when given), its output kept in dir.
inline CliResult run_cli(const std::string& args, const std::string& dir, const std::string& cwd = "") {
  const std::string out = dir + "/cli_output.txt";
  const std::string cd = cwd.empty() ? "" : "cd '" + cwd + "' && ";
  const int status = std::system((cd + std::string(DYNAE_CLI) + " " + args + " > '" + out + "' 2>&1").c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(out)};
}
#endif

}  // namespace dynae::test
