#pragma once
// Reading and writing numpy .npy files (format versions 1.0, 2.0 and 3.0).
#include <string>
#include <vector>

#include "dynae/array.h"

namespace dynae {

/// Whether read_npy maps a file's pages instead of copying its values:
/// possible for float64, native byte order, C order. Mapped values are
/// read in place, and processes reading the same file (ranks on one node)
/// share its pages; the first write to them copies (Values).
enum class NpyMapping {
  Auto,    ///< map files of at least kNpyMapThreshold bytes of data
  Always,  ///< map whenever the file allows it
  Never,   ///< always copy into memory
};
constexpr int64_t kNpyMapThreshold = int64_t{16} << 20;

/// Storage type used when writing.
enum class NpyDtype { Float32, Float64, Int64 };  ///< Int64: values must be integers

/// Reads a .npy file into doubles. Accepts float16/32/64, signed and unsigned
/// integers of 1-8 bytes and bool, little or big endian, C or Fortran order,
/// any rank. Throws DataError naming the path and the problem (bad magic,
/// truncated header or data, unsupported dtype, object arrays).
/// A mapped file must not be truncated or rewritten in place while the
/// array lives (numpy's np.save to the same name does that; our own writers
/// replace the file by renaming, which is safe).
Array read_npy(const std::string& path, NpyMapping mapping = NpyMapping::Auto);

/// Writes `a` as a C-order little-endian .npy file. The file is written to a
/// temporary name in the same directory and renamed, so a reader never sees a
/// half-written file and an existing file survives a failed write.
void write_npy(const std::string& path, const Array& a, NpyDtype dtype = NpyDtype::Float32);

/// Writes raw bytes with an explicit header (dtype descriptor such as "<f8" or
/// ">i4", Fortran order flag, shape). For tests and converters; `bytes` must
/// already be laid out as the header says.
void write_npy_raw(const std::string& path, const std::string& descr, bool fortran_order,
                   const std::vector<int64_t>& shape, const std::string& bytes);

}  // namespace dynae
