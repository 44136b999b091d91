#pragma once
// What one command will write, checked before it does any work: every output
// path is named, is not one of the command's inputs or another of its
// outputs (compared as files: the same device and inode, or the same
// canonical path for files not there yet), lies in a folder that exists (or
// can be made) and is writable, and replaces no existing file unless the
// user asked (--overwrite). check() creates nothing; the command writes its
// files afterwards, each one atomically (write_npy and the other writers
// write a temporary file and rename it).
#include <string>
#include <vector>

namespace dynae {

class OutputPlan {
 public:
  /// `command` names the subcommand in messages ("export"); `overwrite`
  /// allows replacing existing outputs (never an input).
  OutputPlan(std::string command, bool overwrite);

  /// A file the command reads, given by `option` ("--input").
  void input(const std::string& option, const std::string& path);
  /// A file the command writes.
  void file(const std::string& option, const std::string& path);
  /// A folder the command writes into (made if missing) and the names of the
  /// files it writes there: shell patterns ("states_traj*.npy"); a pattern
  /// ending in '/' is a subfolder whose whole content is the command's.
  void folder(const std::string& option, const std::string& path, const std::vector<std::string>& names);

  /// Throws ConfigError naming the option, the path and what was expected.
  void check() const;

 private:
  struct Entry {
    std::string option, path;
    std::vector<std::string> names;  // folders only
    bool is_folder = false;
  };
  std::string command_;
  bool overwrite_;
  std::vector<Entry> inputs_, outputs_;
};

/// The first entry of the folder `path` that one of `names` (shell patterns;
/// one ending in '/' names a subfolder) names, or "" (none, or no folder).
std::string held_output(const std::string& path, const std::vector<std::string>& names);

}  // namespace dynae
