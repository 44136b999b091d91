// Where a rank stands: flags, torchrun's environment or Slurm's
// (dynae/training/communicator.h). Torch-free.
#include <cctype>
#include <cstdlib>

#include "dynae/errors.h"
#include "dynae/training/communicator.h"

namespace dynae {
namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

int64_t env_int(const char* name, int64_t lo, int64_t hi) {
  const std::string text = env(name);
  size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || v < lo || v > hi) {
    throw ConfigError("environment variable " + std::string(name) + "='" + text + "': expected an integer from " +
                      std::to_string(lo) + " to " + std::to_string(hi));
  }
  return v;
}

}  // namespace

std::string first_slurm_host(const std::string& nodelist) {
  // The first entry: up to a comma outside brackets.
  std::string entry;
  int depth = 0;
  for (char c : nodelist) {
    if (c == '[') ++depth;
    if (c == ']') --depth;
    if (c == ',' && depth == 0) break;
    entry += c;
  }
  const size_t open = entry.find('[');
  if (open == std::string::npos) return entry;
  // prefix[07-09,12]suffix: the first number of the range list, as written (zero padding kept).
  const size_t close = entry.find(']', open);
  std::string range = entry.substr(open + 1, close == std::string::npos ? std::string::npos : close - open - 1);
  std::string first;
  for (char c : range) {
    if (c == '-' || c == ',') break;
    first += c;
  }
  const std::string suffix = close == std::string::npos ? "" : entry.substr(close + 1);
  return entry.substr(0, open) + first + suffix;
}

void check_distributed(const DistributedSettings& s) {
  if (s.world_size < 1) throw ConfigError("--world-size " + std::to_string(s.world_size) + ": expected at least 1");
  if (s.rank < 0 || s.rank >= s.world_size) {
    throw ConfigError("--rank " + std::to_string(s.rank) + ": expected 0 to " + std::to_string(s.world_size - 1) +
                      " (world size " + std::to_string(s.world_size) + ", " + s.source + ")");
  }
  if (s.master_port < 1 || s.master_port > 65535) {
    throw ConfigError("--master-port " + std::to_string(s.master_port) + ": expected a TCP port, 1 to 65535");
  }
  if (s.world_size > 1 && s.master_addr.empty()) throw ConfigError("--master-addr: empty; give rank 0's host");
  if (!(s.timeout_seconds > 0) || s.timeout_seconds > 86400) {
    throw ConfigError("--dist-timeout: expected seconds, more than 0 and at most 86400");
  }
  if (s.backend != "gloo" && s.backend != "c10d" && s.backend != "nccl") {
    throw ConfigError("--dist-backend '" + s.backend + "': expected gloo, c10d or nccl");
  }
}

void check_data_parallel(const DataParallel& parallel, int64_t batch_size) {
  if (parallel.shards < 1 || parallel.shards > batch_size) {
    throw ConfigError("data-parallel training over " + std::to_string(parallel.shards) + " ranks needs a batch_size of "
                      "at least that many pairs (batch_size " + std::to_string(batch_size) + ")");
  }
}

DistributedSettings distributed_from_environment() {
  DistributedSettings s;
  if (env("WORLD_SIZE") || env("RANK")) {
    if (!env("WORLD_SIZE") || !env("RANK")) {
      throw ConfigError("torchrun's environment is incomplete: RANK and WORLD_SIZE must both be set");
    }
    s.source = "torchrun environment";
    s.world_size = env_int("WORLD_SIZE", 1, 1 << 20);
    s.rank = env_int("RANK", 0, s.world_size - 1);
    if (env("MASTER_ADDR")) s.master_addr = env("MASTER_ADDR");
    if (env("MASTER_PORT")) s.master_port = env_int("MASTER_PORT", 1, 65535);
    return s;
  }
  // Slurm: only inside an srun step (SLURM_STEP_NUM_TASKS). A batch script
  // itself also sees SLURM_NTASKS and SLURM_PROCID = 0, and a dynae started
  // there directly must not wait for ranks that will never come.
  if (env("SLURM_STEP_NUM_TASKS") && env("SLURM_PROCID")) {
    s.world_size = env_int("SLURM_STEP_NUM_TASKS", 1, 1 << 20);
    if (s.world_size == 1) return s;  // one task: a plain run
    s.source = "Slurm environment";
    s.rank = env_int("SLURM_PROCID", 0, s.world_size - 1);
    const char* nodes = env("SLURM_STEP_NODELIST") ? env("SLURM_STEP_NODELIST") : env("SLURM_JOB_NODELIST");
    if (env("MASTER_ADDR")) {
      s.master_addr = env("MASTER_ADDR");
    } else if (nodes) {
      s.master_addr = first_slurm_host(nodes);
    } else {
      throw ConfigError("Slurm environment without SLURM_STEP_NODELIST / SLURM_JOB_NODELIST: set MASTER_ADDR");
    }
    if (env("MASTER_PORT")) {
      s.master_port = env_int("MASTER_PORT", 1, 65535);
    } else if (env("SLURM_JOB_ID")) {
      s.master_port = 29500 + env_int("SLURM_JOB_ID", 0, INT64_MAX) % 1000;
    }
  }
  return s;
}

}  // namespace dynae
