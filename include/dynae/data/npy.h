#pragma once
// Reading and writing numpy .npy files (format versions 1.0, 2.0 and 3.0).
#include <string>
#include <vector>

#include "dynae/array.h"

namespace dynae {

/// Storage type used when writing.
enum class NpyDtype { Float32, Float64, Int64 };  ///< Int64: values must be integers

/// Reads a .npy file into doubles. Accepts float16/32/64, signed and unsigned
/// integers of 1-8 bytes and bool, little or big endian, C or Fortran order,
/// any rank. Throws DataError naming the path and the problem (bad magic,
/// truncated header or data, unsupported dtype, object arrays).
Array read_npy(const std::string& path);

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
