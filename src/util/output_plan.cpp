#include "dynae/output_plan.h"

#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <system_error>

#include "dynae/errors.h"

namespace dynae {
namespace fs = std::filesystem;
namespace {

bool exists(const std::string& p, struct stat* st) { return ::stat(p.c_str(), st) == 0; }

/// The canonical absolute form of a path whose last parts may not exist yet.
std::string canonical_text(const std::string& p) {
  std::error_code ec;
  fs::path c = fs::weakly_canonical(fs::absolute(p, ec), ec);
  if (ec) c = fs::absolute(p).lexically_normal();
  std::string s = c.string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

std::string quoted(const std::string& p) { return "'" + p + "'"; }

/// The folder that holds `path` (a file or folder path), "." for a bare name.
std::string parent_of(const std::string& path) {
  fs::path p(path);
  while (p.has_relative_path() && p.filename().empty()) p = p.parent_path();  // "a/b/" -> "a/b"
  const fs::path parent = p.parent_path();
  return parent.empty() ? "." : parent.string();
}

/// The nearest folder on `path`'s way up that exists (a folder output is made
/// from there); throws when a file stands where a folder is needed.
std::string nearest_existing(const std::string& command, const std::string& option, const std::string& path) {
  fs::path p = fs::absolute(path).lexically_normal();
  while (!p.empty()) {
    struct stat st;
    if (exists(p.string(), &st)) {
      if (!S_ISDIR(st.st_mode)) {
        throw ConfigError(command + ": " + option + " " + quoted(path) + " cannot be made: " + quoted(p.string()) +
                          " is a file, not a folder");
      }
      return p.string();
    }
    if (p == p.parent_path()) break;
    p = p.parent_path();
  }
  return "/";
}

void check_writable_folder(const std::string& command, const std::string& option, const std::string& path,
                           const std::string& folder) {
  if (::access(folder.c_str(), W_OK | X_OK) != 0) {
    throw ConfigError(command + ": " + option + " " + quoted(path) + " cannot be written: the folder " +
                      quoted(folder) + " is not writable by this user");
  }
}

bool matches(const std::vector<std::string>& names, const std::string& relative) {
  for (const auto& n : names) {
    if (!n.empty() && n.back() == '/') {
      if (relative.rfind(n, 0) == 0 || relative + "/" == n) return true;
    } else if (::fnmatch(n.c_str(), relative.c_str(), 0) == 0) {
      return true;
    }
  }
  return false;
}

/// `file` relative to `folder` when it lies inside it (canonical paths), else "".
std::string inside(const std::string& folder, const std::string& file) {
  const std::string f = canonical_text(folder), p = canonical_text(file);
  const std::string prefix = f == "/" ? f : f + "/";
  return p.size() > prefix.size() && p.compare(0, prefix.size(), prefix) == 0 ? p.substr(prefix.size()) : "";
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa, sb;
  const bool ea = exists(a, &sa), eb = exists(b, &sb);
  if (ea && eb) return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  if (ea != eb) return false;
  return canonical_text(a) == canonical_text(b);
}

}  // namespace

std::string held_output(const std::string& path, const std::vector<std::string>& names) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    const std::string name = entry.path().filename().string();
    if (matches(names, name) || matches(names, name + "/")) return name;
  }
  return "";
}

OutputPlan::OutputPlan(std::string command, bool overwrite) : command_(std::move(command)), overwrite_(overwrite) {}

void OutputPlan::input(const std::string& option, const std::string& path) {
  if (!path.empty()) inputs_.push_back({option, path, {}, false});
}

void OutputPlan::file(const std::string& option, const std::string& path) {
  outputs_.push_back({option, path, {}, false});
}

void OutputPlan::folder(const std::string& option, const std::string& path, const std::vector<std::string>& names) {
  outputs_.push_back({option, path, names, true});
}

void OutputPlan::check() const {
  const std::string& c = command_;
  for (size_t i = 0; i < outputs_.size(); ++i) {
    const Entry& o = outputs_[i];
    if (o.path.empty()) {
      throw ConfigError(c + ": " + o.option + " is empty: expected " + (o.is_folder ? "a folder" : "a file") +
                        " to write");
    }
    struct stat st;
    const bool there = exists(o.path, &st);
    if (o.is_folder) {
      if (there && !S_ISDIR(st.st_mode)) {
        throw ConfigError(c + ": " + o.option + " " + quoted(o.path) + " is a file: expected a folder to write into");
      }
      check_writable_folder(c, o.option, o.path, there ? o.path : nearest_existing(c, o.option, o.path));
    } else {
      if ((there && S_ISDIR(st.st_mode)) || o.path.back() == '/') {
        throw ConfigError(c + ": " + o.option + " " + quoted(o.path) + " is a folder: expected a file name");
      }
      const std::string parent = parent_of(o.path);
      struct stat ps;
      if (!exists(parent, &ps)) {
        throw ConfigError(c + ": " + o.option + " " + quoted(o.path) + " cannot be written: the folder " +
                          quoted(parent) + " does not exist");
      }
      if (!S_ISDIR(ps.st_mode)) {
        throw ConfigError(c + ": " + o.option + " " + quoted(o.path) + " cannot be written: " + quoted(parent) +
                          " is a file, not a folder");
      }
      check_writable_folder(c, o.option, o.path, parent);
    }
    // Never over an input, whatever --overwrite says.
    for (const Entry& in : inputs_) {
      if (!o.is_folder && same_file(o.path, in.path)) {
        throw ConfigError(c + ": " + o.option + " " + quoted(o.path) + " is the same file as " + in.option + " " +
                          quoted(in.path) + ": the output would replace its own input; choose another path");
      }
      if (o.is_folder) {
        const std::string rel = inside(o.path, in.path);
        if (!rel.empty() && matches(o.names, rel)) {
          throw ConfigError(c + ": " + in.option + " " + quoted(in.path) + " lies in the output folder " + o.option +
                            " " + quoted(o.path) + " where this command writes " + quoted(rel) +
                            ": the output would replace its own input; choose another folder");
        }
      }
    }
    // Never two outputs in one file.
    for (size_t j = 0; j < i; ++j) {
      const Entry& p = outputs_[j];
      bool clash = false;
      if (!o.is_folder && !p.is_folder) clash = same_file(o.path, p.path);
      else if (o.is_folder && p.is_folder) clash = same_file(o.path, p.path);
      else {
        const Entry& f = o.is_folder ? o : p;
        const Entry& g = o.is_folder ? p : o;
        const std::string rel = inside(f.path, g.path);
        clash = !rel.empty() && matches(f.names, rel);
      }
      if (clash) {
        throw ConfigError(c + ": " + p.option + " " + quoted(p.path) + " and " + o.option + " " + quoted(o.path) +
                          " name the same file; one output would replace the other");
      }
    }
    if (overwrite_) continue;
    if (!o.is_folder && there) {
      throw ConfigError(c + ": " + o.option + " " + quoted(o.path) +
                        " exists; dynae replaces no file unasked: choose another path, remove it, or pass --overwrite");
    }
    if (o.is_folder && there) {
      const std::string name = held_output(o.path, o.names);
      if (!name.empty()) {
        throw ConfigError(c + ": " + o.option + " " + quoted(o.path) + " already holds " + quoted(name) +
                          ", which this command writes; dynae replaces no file unasked: choose another folder, "
                          "remove it, or pass --overwrite");
      }
    }
  }
}

}  // namespace dynae
