#pragma once
// A run's output directory, guarded: one process at a time (an exclusive
// lock naming its holder), and a finished run (finished.txt, written last)
// never touched unasked. A directory is always either one whole finished
// run or, without finished.txt, an unfinished one that --resume continues.
#include <string>
#include <vector>

namespace dynae {

/// How a training treats what its directory already holds.
enum class RunStart {
  Fresh,      ///< refuses a directory that holds a run (finished or not)
  Overwrite,  ///< replaces any run there
  Resume,     ///< continues the unfinished run there (from its checkpoint)
};

class RunDirectory {
 public:
  /// Creates `path` when needed and takes its lock (`path`/.lock, released
  /// when this object goes or the process ends, however it ends). Throws
  /// ConfigError for an empty path and Error when another process holds the
  /// lock (naming its pid) or the directory cannot be made.
  explicit RunDirectory(std::string path);
  ~RunDirectory();
  RunDirectory(const RunDirectory&) = delete;
  RunDirectory& operator=(const RunDirectory&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  /// A finished run: finished.txt is there.
  bool finished() const;
  /// A run was started here: config.ini is there.
  bool started() const;

  /// Checks `start` against what the directory holds and prepares it:
  /// Fresh throws Error for a finished or unfinished run there (naming
  /// --overwrite and --resume), or for files a run writes (run_output_names)
  /// that belong to no run; Overwrite marks the directory unfinished and
  /// drops the old checkpoint; Resume throws Error when no run was started
  /// here.
  void prepare(RunStart start) const;

 private:
  std::string path_;
  int lock_fd_ = -1;
};

/// The checks of RunDirectory::prepare(start) without taking the lock or
/// making anything (a missing directory passes Fresh and Overwrite): for a
/// command that writes into the run directory before the training starts.
void check_run_start(const std::string& path, RunStart start);

/// Whether `path` holds a finished run (without taking its lock).
bool is_finished_run(const std::string& path);

/// The files and folders (ending in '/') a run writes in its directory, as
/// shell patterns: a fresh run refuses a directory holding any of them
/// without a run's config.ini (the user's own files), and an input among
/// them is refused even with --overwrite.
std::vector<std::string> run_output_names();

}  // namespace dynae
