#include "dynae/experiments/run_directory.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "dynae/errors.h"
#include "dynae/experiments/run.h"
#include "dynae/output_plan.h"

namespace dynae {
namespace {

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

}  // namespace

bool is_finished_run(const std::string& path) { return exists(path + "/finished.txt"); }

std::vector<std::string> run_output_names() {
  return {"config.ini",       "data_fingerprint.txt", "checkpoint.pt",     "losses.csv",
          "train.log",        "model.pt",             "tica_eigenvalues.npy", "latent_traj*.npy",
          "latent_logvar_traj*.npy", "reconstruction_traj*.npy", "cluster_centers.npy", "finished.txt",
          "progress/",        "report.html",          "report/",
          "speeds_traj*.npy", "flow_fields.npy",      "flow_field_points.npy", "transformations.txt"};
}

RunDirectory::RunDirectory(std::string path) : path_(std::move(path)) {
  while (path_.size() > 1 && path_.back() == '/') path_.pop_back();
  if (path_.empty()) throw ConfigError("the output directory (--out) is empty; name a directory");
  make_directories(path_);
  const std::string lock = file(".lock");
  lock_fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) throw Error("cannot create the lock '" + lock + "': " + std::strerror(errno));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    const int why = errno;
    char holder[32] = {};
    const ssize_t n = ::pread(lock_fd_, holder, sizeof holder - 1, 0);
    ::close(lock_fd_);
    lock_fd_ = -1;
    if (why == EWOULDBLOCK) {
      std::string pid = n > 0 ? std::string(holder, static_cast<size_t>(n)) : "?";
      while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
      throw Error("'" + path_ + "' is in use by another dynae process (pid " + pid +
                  ", lock '" + lock + "'); wait for it or choose another --out");
    }
    throw Error("cannot lock '" + lock + "': " + std::strerror(why));
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(lock_fd_, 0) != 0 || ::pwrite(lock_fd_, pid.data(), pid.size(), 0) < 0) {
    // The lock holds; only the pid shown to others is missing.
  }
}

RunDirectory::~RunDirectory() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

bool RunDirectory::finished() const { return exists(file("finished.txt")); }
bool RunDirectory::started() const { return exists(file("config.ini")); }

void check_run_start(const std::string& path, RunStart start) {
  const auto file = [&](const char* name) { return path + "/" + name; };
  switch (start) {
    case RunStart::Fresh:
      if (exists(file("finished.txt"))) {
        throw Error("'" + path + "' holds a finished run; --overwrite replaces it (or choose another --out)");
      }
      if (exists(file("config.ini"))) {
        throw Error("'" + path + "' holds an unfinished run (killed or interrupted); --resume " + path +
                    " continues it, --overwrite starts it again");
      }
      if (const std::string found = held_output(path, run_output_names()); !found.empty()) {
        throw Error("'" + path + "' holds '" + found +
                    "', a name a run writes, but no dynae run (no config.ini): it would be replaced; choose another "
                    "--out, or --overwrite replaces such files");
      }
      return;
    case RunStart::Overwrite:
      return;
    case RunStart::Resume:
      if (!exists(file("config.ini"))) throw Error("'" + path + "' holds no run to resume (no config.ini)");
      return;
  }
}

void RunDirectory::prepare(RunStart start) const {
  check_run_start(path_, start);
  if (start != RunStart::Overwrite) return;
  // Unfinished from now on: a kill leaves a run marked unfinished, never old
  // outputs passed off as the new run's.
  for (const char* name : {"finished.txt", "checkpoint.pt"}) {
    if (std::remove(file(name).c_str()) != 0 && errno != ENOENT) {
      throw Error("cannot remove '" + file(name) + "': " + std::strerror(errno));
    }
  }
}

}  // namespace dynae
