// libFuzzer harness: PLUMED COLVAR and CSV / TSV readers, with the default
// selection, a glob and a weights column; and the weights-file reader.
#include "dynae/data/frame_weights.h"
#include "dynae/data/table.h"
#include "dynae/errors.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = dynae::fuzz::write_input(data, size, ".colvar");
  for (const dynae::ColumnSelection& s :
       {dynae::ColumnSelection{}, dynae::ColumnSelection{{"d*"}, "opes.bias"}, dynae::ColumnSelection{{"x", "y"}, ""}}) {
    try {
      if (dynae::detect_format(path) == dynae::FileFormat::Npy) continue;
      const dynae::ColumnData d = dynae::read_columns(path, s);
      for (const auto& seg : d.segments) {
        if (seg.frames() * static_cast<int64_t>(d.names.size()) != seg.size()) __builtin_trap();
      }
    } catch (const dynae::Error&) {
    }
  }
  try {
    (void)dynae::read_weight_file(path, "");
  } catch (const dynae::Error&) {
  }
  return 0;
}
