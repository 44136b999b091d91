// numpy .npy format: magic "\x93NUMPY", version, header length, a Python dict
// literal {'descr': ..., 'fortran_order': ..., 'shape': (...)}, then raw data.
#include "dynae/data/npy.h"

#include <c10/util/Half.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dynae/errors.h"
#include "dynae/atomic_file.h"

namespace dynae {
namespace {

const char kMagic[] = "\x93NUMPY";

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw DataError("'" + path + "': " + what);
}

bool host_is_little_endian() {
  const uint16_t one = 1;
  unsigned char b;
  std::memcpy(&b, &one, 1);
  return b == 1;
}

struct Header {
  char byte_order = '<';
  char kind = 'f';
  int itemsize = 8;
  bool fortran = false;
  std::vector<int64_t> shape;
};

// Value text that follows 'key': in the header dict, up to the matching end.
std::string dict_value(const std::string& path, const std::string& dict, const std::string& key) {
  size_t k = dict.find("'" + key + "'");
  if (k == std::string::npos) k = dict.find("\"" + key + "\"");
  if (k == std::string::npos) fail(path, "npy header has no '" + key + "' entry: " + dict);
  size_t colon = dict.find(':', k + key.size() + 2);
  if (colon == std::string::npos) fail(path, "malformed npy header: " + dict);
  size_t b = colon + 1;
  while (b < dict.size() && std::isspace(static_cast<unsigned char>(dict[b]))) ++b;
  if (b >= dict.size()) fail(path, "malformed npy header: " + dict);
  size_t e;
  if (dict[b] == '\'' || dict[b] == '"') {
    e = dict.find(dict[b], b + 1);
    if (e == std::string::npos) fail(path, "malformed npy header: " + dict);
    return dict.substr(b, e - b + 1);
  }
  const char open = dict[b];
  if (open == '(' || open == '[') {
    const char close = open == '(' ? ')' : ']';
    int depth = 0;
    for (e = b; e < dict.size(); ++e) {
      if (dict[e] == open) ++depth;
      if (dict[e] == close && --depth == 0) break;
    }
    if (e >= dict.size()) fail(path, "malformed npy header: " + dict);
    return dict.substr(b, e - b + 1);
  }
  e = b;
  while (e < dict.size() && dict[e] != ',' && dict[e] != '}') ++e;
  std::string v = dict.substr(b, e - b);
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.pop_back();
  return v;
}

Header parse_header(const std::string& path, const std::string& dict) {
  Header h;
  const std::string descr = dict_value(path, dict, "descr");
  if (descr.empty() || (descr[0] != '\'' && descr[0] != '"')) {
    fail(path, "unsupported dtype " + descr + " (structured arrays are not supported; expected a plain "
               "numeric dtype such as '<f4', '<f8' or '<i8')");
  }
  const std::string d = descr.substr(1, descr.size() - 2);
  if (d.size() < 2) fail(path, "unsupported dtype '" + d + "'");
  size_t pos = 0;
  if (d[0] == '<' || d[0] == '>' || d[0] == '|' || d[0] == '=') {
    h.byte_order = d[0] == '=' ? (host_is_little_endian() ? '<' : '>') : d[0];
    pos = 1;
  }
  h.kind = d[pos];
  if (h.kind == 'O') fail(path, "object arrays (dtype 'O') cannot be read: save a numeric array");
  const std::string size_text = d.substr(pos + 1);
  bool digits = !size_text.empty() && size_text.size() <= 2;  // item sizes are 1 to 8 bytes
  for (char c : size_text) digits = digits && std::isdigit(static_cast<unsigned char>(c));
  if (!digits) fail(path, "unsupported dtype '" + d + "'");
  h.itemsize = std::stoi(size_text);
  const bool ok = (h.kind == 'f' && (h.itemsize == 2 || h.itemsize == 4 || h.itemsize == 8)) ||
                  ((h.kind == 'i' || h.kind == 'u') &&
                   (h.itemsize == 1 || h.itemsize == 2 || h.itemsize == 4 || h.itemsize == 8)) ||
                  (h.kind == 'b' && h.itemsize == 1);
  if (!ok) {
    fail(path, "unsupported dtype '" + d +
                   "' (expected float16/32/64, signed or unsigned integers, or bool)");
  }

  const std::string fo = dict_value(path, dict, "fortran_order");
  if (fo == "True") h.fortran = true;
  else if (fo == "False") h.fortran = false;
  else fail(path, "malformed npy header: fortran_order is '" + fo + "'");

  const std::string shape = dict_value(path, dict, "shape");
  if (shape.size() < 2 || shape.front() != '(') fail(path, "malformed npy header: shape is " + shape);
  std::stringstream ss(shape.substr(1, shape.size() - 2));
  std::string item;
  while (std::getline(ss, item, ',')) {
    size_t b = item.find_first_not_of(" \t");
    if (b == std::string::npos) continue;
    size_t e = item.find_last_not_of(" \tL");
    item = item.substr(b, e - b + 1);
    for (char c : item) {
      if (!std::isdigit(static_cast<unsigned char>(c))) fail(path, "malformed npy header: shape is " + shape);
    }
    errno = 0;
    const long long v = std::strtoll(item.c_str(), nullptr, 10);
    if (errno == ERANGE) fail(path, "shape " + shape + " has a dimension past 2^63 (" + item + ")");
    h.shape.push_back(v);
  }
  return h;
}

template <typename T>
T load_scalar(const char* p, bool swap) {
  char buf[sizeof(T)];
  std::memcpy(buf, p, sizeof(T));
  if (swap) {
    for (size_t i = 0; i < sizeof(T) / 2; ++i) std::swap(buf[i], buf[sizeof(T) - 1 - i]);
  }
  T v;
  std::memcpy(&v, buf, sizeof(T));
  return v;
}

double convert(const char* p, const Header& h, bool swap) {
  switch (h.kind) {
    case 'f':
      if (h.itemsize == 8) return load_scalar<double>(p, swap);
      if (h.itemsize == 4) return load_scalar<float>(p, swap);
      return static_cast<float>(c10::Half(load_scalar<uint16_t>(p, swap), c10::Half::from_bits()));
    case 'i':
      if (h.itemsize == 8) return static_cast<double>(load_scalar<int64_t>(p, swap));
      if (h.itemsize == 4) return load_scalar<int32_t>(p, swap);
      if (h.itemsize == 2) return load_scalar<int16_t>(p, swap);
      return load_scalar<int8_t>(p, swap);
    case 'u':
      if (h.itemsize == 8) return static_cast<double>(load_scalar<uint64_t>(p, swap));
      if (h.itemsize == 4) return load_scalar<uint32_t>(p, swap);
      if (h.itemsize == 2) return load_scalar<uint16_t>(p, swap);
      return load_scalar<uint8_t>(p, swap);
    default:  // 'b'
      return *p ? 1.0 : 0.0;
  }
}

std::string header_dict(const std::string& descr, bool fortran, const std::vector<int64_t>& shape) {
  std::ostringstream os;
  os << "{'descr': '" << descr << "', 'fortran_order': " << (fortran ? "True" : "False") << ", 'shape': (";
  for (size_t i = 0; i < shape.size(); ++i) os << shape[i] << (shape.size() == 1 || i + 1 < shape.size() ? "," : "") << (i + 1 < shape.size() ? " " : "");
  os << "), }";
  return os.str();
}

void write_file(const std::string& path, const std::string& descr, bool fortran,
                const std::vector<int64_t>& shape, const std::string& bytes) {
  std::string dict = header_dict(descr, fortran, shape);
  // Total header (magic + version + length + dict + '\n') padded to 64 bytes.
  size_t prefix = 10;
  size_t total = prefix + dict.size() + 1;
  bool v2 = false;
  if (((total + 63) / 64) * 64 - prefix > 65535) {
    v2 = true;
    prefix = 12;
    total = prefix + dict.size() + 1;
  }
  const size_t padded = ((total + 63) / 64) * 64;
  dict.append(padded - total, ' ');
  dict.push_back('\n');
  write_atomically(path, [&](const std::string& tmp) {
    std::ofstream f(tmp, std::ios::binary);
    if (!f) throw DataError("'" + path + "': cannot open for writing: " + std::strerror(errno));
    f.write(kMagic, 6);
    const char version[2] = {static_cast<char>(v2 ? 2 : 1), 0};
    f.write(version, 2);
    const uint32_t len = static_cast<uint32_t>(dict.size());
    const unsigned char lb[4] = {static_cast<unsigned char>(len & 0xff), static_cast<unsigned char>((len >> 8) & 0xff),
                                 static_cast<unsigned char>((len >> 16) & 0xff), static_cast<unsigned char>(len >> 24)};
    f.write(reinterpret_cast<const char*>(lb), v2 ? 4 : 2);
    f.write(dict.data(), static_cast<std::streamsize>(dict.size()));
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    f.flush();
    if (!f) throw DataError("'" + path + "': write failed: " + std::strerror(errno));
  });
}

// The file's data section as a read-only shared mapping, or an empty Values
// when the system refuses (the caller then reads the file).
Values map_values(const std::string& path, int64_t data_start, int64_t n) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Values();
  struct stat st;
  if (::fstat(fd, &st) != 0 || st.st_size < data_start + n * 8) {  // changed since the header was read
    ::close(fd);
    return Values();
  }
  const size_t length = static_cast<size_t>(data_start + n * 8);
  void* base = ::mmap(nullptr, length, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);  // the mapping keeps the file
  if (base == MAP_FAILED) return Values();
  std::shared_ptr<const void> keeper(base, [length](const void* p) { ::munmap(const_cast<void*>(p), length); });
  const double* values = reinterpret_cast<const double*>(static_cast<const char*>(base) + data_start);
  return Values::view(std::move(keeper), values, static_cast<size_t>(n));
}

}  // namespace

Array read_npy(const std::string& path, NpyMapping mapping) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) fail(path, "is a folder; expected a .npy file");
  std::ifstream f(path, std::ios::binary);
  if (!f) fail(path, std::string("cannot open: ") + std::strerror(errno));
  f.seekg(0, std::ios::end);
  const int64_t file_size = static_cast<int64_t>(f.tellg());
  f.seekg(0);
  char magic[8];
  if (!f.read(magic, 8) || std::memcmp(magic, kMagic, 6) != 0) {
    fail(path, "not a .npy file (bad magic: expected \\x93NUMPY at the start)");
  }
  const int major = static_cast<unsigned char>(magic[6]);
  if (major < 1 || major > 3) fail(path, "unsupported .npy format version " + std::to_string(major));
  unsigned char lb[4] = {0, 0, 0, 0};
  const int nlen = major == 1 ? 2 : 4;
  if (!f.read(reinterpret_cast<char*>(lb), nlen)) fail(path, "truncated .npy header");
  const uint32_t hlen = lb[0] | (lb[1] << 8) | (lb[2] << 16) | (static_cast<uint32_t>(lb[3]) << 24);
  if (static_cast<int64_t>(hlen) > file_size - 8 - nlen) {
    fail(path, "truncated .npy header (it claims " + std::to_string(hlen) + " bytes, the file holds " +
                   std::to_string(file_size) + ")");
  }
  std::string dict(hlen, '\0');
  if (!f.read(&dict[0], hlen)) fail(path, "truncated .npy header (expected " + std::to_string(hlen) + " bytes)");
  const Header h = parse_header(path, dict);

  // The size the header claims, overflow-checked and compared with the
  // file before anything is allocated.
  const std::string shape_text = shape_string(h.shape);
  int64_t n = 1, need = 0;
  for (int64_t k : h.shape) {
    if (__builtin_mul_overflow(n, k, &n)) fail(path, "shape " + shape_text + " holds more values than can be addressed");
  }
  if (__builtin_mul_overflow(n, static_cast<int64_t>(h.itemsize), &need)) {
    fail(path, "shape " + shape_text + " holds more bytes than can be addressed");
  }
  const int64_t data_start = 8 + nlen + hlen;
  if (file_size - data_start < need) {
    fail(path, "truncated data: shape " + shape_text + " needs " + std::to_string(need) + " bytes, the file holds " +
                   std::to_string(file_size - data_start));
  }
  const bool native_order = h.byte_order == '|' || (h.byte_order == '<') == host_is_little_endian();
  const bool mappable = h.kind == 'f' && h.itemsize == 8 && native_order && (!h.fortran || h.shape.size() < 2) &&
                        data_start % 8 == 0 && need > 0;
  if (mappable && (mapping == NpyMapping::Always || (mapping == NpyMapping::Auto && need >= kNpyMapThreshold))) {
    Values mapped = map_values(path, data_start, n);
    if (mapped.is_view()) return Array(h.shape, std::move(mapped));
  }
  if (mappable) {  // the bytes are the values: read them in place, no second copy
    std::vector<double> values(static_cast<size_t>(n));
    if (!f.read(reinterpret_cast<char*>(values.data()), need)) fail(path, "read error in data section");
    return Array(h.shape, std::move(values));
  }
  std::string raw(static_cast<size_t>(need), '\0');
  if (need > 0 && !f.read(&raw[0], need)) fail(path, "read error in data section");

  const bool swap = h.itemsize > 1 && ((h.byte_order == '>') == host_is_little_endian());
  std::vector<double> values(static_cast<size_t>(n));
  if (!h.fortran || h.shape.size() < 2) {
    for (int64_t i = 0; i < n; ++i) values[i] = convert(raw.data() + i * h.itemsize, h, swap);
  } else {
    // Fortran order: the first index varies fastest. Walk C order with an odometer.
    const size_t r = h.shape.size();
    std::vector<int64_t> fstride(r, 1), idx(r, 0);
    for (size_t k = 1; k < r; ++k) fstride[k] = fstride[k - 1] * h.shape[k - 1];
    for (int64_t i = 0; i < n; ++i) {
      int64_t off = 0;
      for (size_t k = 0; k < r; ++k) off += idx[k] * fstride[k];
      values[i] = convert(raw.data() + off * h.itemsize, h, swap);
      for (size_t k = r; k-- > 0;) {
        if (++idx[k] < h.shape[k]) break;
        idx[k] = 0;
      }
    }
  }
  return Array(h.shape, std::move(values));
}

void write_npy(const std::string& path, const Array& a, NpyDtype dtype) {
  std::string bytes;
  const bool le = host_is_little_endian();
  if (dtype == NpyDtype::Float64) {
    bytes.resize(a.data.size() * 8);
    for (size_t i = 0; i < a.data.size(); ++i) {
      char* p = &bytes[i * 8];
      std::memcpy(p, &a.data[i], 8);
      if (!le) std::reverse(p, p + 8);
    }
  } else if (dtype == NpyDtype::Int64) {
    bytes.resize(a.data.size() * 8);
    for (size_t i = 0; i < a.data.size(); ++i) {
      const double v = a.data[i];
      if (!(std::fabs(v) < 9.2e18) || std::floor(v) != v) {
        throw DataError("'" + path + "': value " + std::to_string(v) + " at index " + std::to_string(i) +
                        " is not an integer; cannot write int64");
      }
      const int64_t w = static_cast<int64_t>(v);
      char* p = &bytes[i * 8];
      std::memcpy(p, &w, 8);
      if (!le) std::reverse(p, p + 8);
    }
  } else {
    bytes.resize(a.data.size() * 4);
    for (size_t i = 0; i < a.data.size(); ++i) {
      const float v = static_cast<float>(a.data[i]);
      char* p = &bytes[i * 4];
      std::memcpy(p, &v, 4);
      if (!le) std::reverse(p, p + 4);
    }
  }
  write_file(path, dtype == NpyDtype::Float64 ? "<f8" : dtype == NpyDtype::Int64 ? "<i8" : "<f4", false, a.shape, bytes);
}

void write_npy_raw(const std::string& path, const std::string& descr, bool fortran_order,
                   const std::vector<int64_t>& shape, const std::string& bytes) {
  write_file(path, descr, fortran_order, shape, bytes);
}

}  // namespace dynae
