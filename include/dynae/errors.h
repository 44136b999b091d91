#pragma once
// Named errors. The library throws; only the command-line tool turns them into
// exit codes. Every message names the file or option and what was expected.
#include <stdexcept>
#include <string>

namespace dynae {

/// Base of every error the library throws on purpose.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A data file that cannot be read or does not hold what was expected.
class DataError : public Error {
 public:
  using Error::Error;
};

/// An option or configuration value that is missing, malformed or out of range.
class ConfigError : public Error {
 public:
  using Error::Error;
};

/// Training cannot go on (a NaN loss, a resampling that cannot be done).
class TrainingError : public Error {
 public:
  using Error::Error;
};

/// A saved model that cannot be loaded.
class CheckpointError : public Error {
 public:
  using Error::Error;
};

/// Work stopped by SIGINT or SIGTERM (dynae/runtime.h): what was saved is
/// consistent; `signal` is the signal's number.
class Interrupted : public Error {
 public:
  Interrupted(const std::string& what, int signal) : Error(what), signal(signal) {}
  int signal;
};

}  // namespace dynae
