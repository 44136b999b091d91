// libFuzzer harness: INI configs read and expanded into runs.
#include "dynae/config/run_settings.h"
#include "dynae/errors.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = dynae::fuzz::write_input(data, size, ".ini");
  try {
    dynae::ConfigSpec spec;
    dynae::read_ini_config(path, spec);
    for (const auto& run : spec.expand()) (void)dynae::to_ini(run);
  } catch (const dynae::Error&) {
  }
  return 0;
}
