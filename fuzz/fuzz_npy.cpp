// libFuzzer harness: the .npy reader. Any input must give an Array or a
// dynae::Error; anything else (a crash, another exception, a leak, undefined
// behaviour) is a finding.
#include "dynae/data/npy.h"
#include "dynae/errors.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = dynae::fuzz::write_input(data, size, ".npy");
  try {
    const dynae::Array a = dynae::read_npy(path);
    if (a.size() != dynae::shape_product(a.shape)) __builtin_trap();
  } catch (const dynae::Error&) {
  }
  return 0;
}
