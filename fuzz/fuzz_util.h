#pragma once
// Shared by the harnesses: the readers take paths, so each input is written
// to a file in memory-backed /dev/shm (one per process) first.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

namespace dynae::fuzz {

inline std::string write_input(const uint8_t* data, size_t size, const char* suffix) {
  static const std::string path = "/dev/shm/dynae_fuzz_" + std::to_string(::getpid()) + suffix;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return path;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  return path;
}

}  // namespace dynae::fuzz
