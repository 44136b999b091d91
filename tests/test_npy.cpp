#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <utility>

#include "dynae/data/npy.h"
#include "dynae/errors.h"
#include "dynae/runtime.h"
#include "test_util.h"
#include "dynae/atomic_file.h"

using namespace dynae;

namespace {

template <typename T>
std::string raw_bytes(const std::vector<T>& v, bool big_endian) {
  std::string s(v.size() * sizeof(T), '\0');
  for (size_t i = 0; i < v.size(); ++i) {
    char* p = &s[i * sizeof(T)];
    std::memcpy(p, &v[i], sizeof(T));
    if (big_endian) std::reverse(p, p + sizeof(T));
  }
  return s;
}

// 2 x 3 values 0..5 in C order; in Fortran order the bytes hold the transpose walk.
const std::vector<double> kC = {0, 1, 2, 3, 4, 5};
const std::vector<double> kF = {0, 3, 1, 4, 2, 5};

template <typename T>
void check_dtype(const std::string& code, int size) {
  const std::string dir = test::scratch_dir("npy_" + code + std::to_string(size));
  for (bool big : {false, true}) {
    for (bool fortran : {false, true}) {
      std::vector<T> v;
      for (double x : fortran ? kF : kC) v.push_back(static_cast<T>(x));
      const std::string descr = std::string(size == 1 ? "|" : (big ? ">" : "<")) + code + std::to_string(size);
      const std::string path = dir + "/a.npy";
      write_npy_raw(path, descr, fortran, {2, 3}, raw_bytes(v, big && size > 1));
      const Array a = read_npy(path);
      ASSERT_EQ(a.shape, (std::vector<int64_t>{2, 3})) << descr;
      for (int i = 0; i < 6; ++i) EXPECT_EQ(a.data[i], kC[i]) << descr << " fortran=" << fortran << " i=" << i;
      EXPECT_FALSE(a.data.is_view()) << "a small file is copied by default";
      // Mapped where the bytes are the values (float64, native order, C order); the same values either way.
      const Array m = read_npy(path, NpyMapping::Always);
      EXPECT_EQ(m.data.is_view(), code == "f" && size == 8 && !big && !fortran) << descr << " fortran=" << fortran;
      EXPECT_EQ(m.shape, a.shape);
      EXPECT_EQ(m.data, a.data) << descr;
    }
  }
}

}  // namespace

TEST(Npy, EveryDtypeOrderAndEndianness) {
  check_dtype<double>("f", 8);
  check_dtype<float>("f", 4);
  check_dtype<int64_t>("i", 8);
  check_dtype<int32_t>("i", 4);
  check_dtype<int16_t>("i", 2);
  check_dtype<int8_t>("i", 1);
  check_dtype<uint64_t>("u", 8);
  check_dtype<uint32_t>("u", 4);
  check_dtype<uint16_t>("u", 2);
  check_dtype<uint8_t>("u", 1);
}

TEST(Npy, Float16AndBool) {
  const std::string dir = test::scratch_dir("npy_f2");
  // 1.0, -2.5 and 0.0 in IEEE half precision.
  const std::vector<uint16_t> half = {0x3C00, 0xC100, 0x0000};
  write_npy_raw(dir + "/h.npy", "<f2", false, {3}, raw_bytes(half, false));
  const Array h = read_npy(dir + "/h.npy");
  EXPECT_EQ(h.data, (std::vector<double>{1.0, -2.5, 0.0}));
  write_npy_raw(dir + "/b.npy", "|b1", false, {2}, std::string("\x01\x00", 2));
  EXPECT_EQ(read_npy(dir + "/b.npy").data, (std::vector<double>{1.0, 0.0}));
}

TEST(Npy, WriteReadRoundTripAnyRank) {
  const std::string dir = test::scratch_dir("npy_rt");
  for (const auto& shape : std::vector<std::vector<int64_t>>{{5}, {4, 3}, {2, 1, 3, 2}, {0, 2}}) {
    Array a = Array::zeros(shape);
    for (int64_t i = 0; i < a.size(); ++i) a.data[i] = 0.1 * static_cast<double>(i) - 1.0 / 3.0;
    write_npy(dir + "/x.npy", a, NpyDtype::Float64);
    const Array b = read_npy(dir + "/x.npy");
    EXPECT_EQ(b.shape, a.shape);
    EXPECT_EQ(b.data, a.data);  // float64 is exact
    write_npy(dir + "/y.npy", a, NpyDtype::Float32);
    const Array c = read_npy(dir + "/y.npy");
    EXPECT_EQ(c.shape, a.shape);
    for (int64_t i = 0; i < a.size(); ++i) EXPECT_EQ(c.data[i], static_cast<double>(static_cast<float>(a.data[i])));
  }
}

TEST(Npy, HeaderIsPaddedTo64Bytes) {
  const std::string dir = test::scratch_dir("npy_hdr");
  write_npy(dir + "/x.npy", Array({3, 2}, {1, 2, 3, 4, 5, 6}));
  const std::string bytes = test::read_file(dir + "/x.npy");
  const size_t header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
  EXPECT_EQ((10 + header_len) % 64, 0u);
  EXPECT_EQ(bytes[10 + header_len - 1], '\n');
  EXPECT_NE(bytes.find("'shape': (3, 2)"), std::string::npos);
  EXPECT_EQ(bytes.size(), 10 + header_len + 6 * 4);
}

namespace {

std::string error_of(const std::string& path) {
  try {
    read_npy(path);
  } catch (const DataError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Npy, MalformedFilesGiveClearErrors) {
  const std::string dir = test::scratch_dir("npy_bad");
  test::write_file(dir + "/magic.npy", "PK\x03\x04 this is a zip file");
  std::string e = error_of(dir + "/magic.npy");
  EXPECT_NE(e.find("magic.npy"), std::string::npos) << e;
  EXPECT_NE(e.find("bad magic"), std::string::npos) << e;

  write_npy(dir + "/full.npy", Array({100, 2}, std::vector<double>(200, 1.0)));
  const std::string full = test::read_file(dir + "/full.npy");
  test::write_file(dir + "/trunc.npy", full.substr(0, full.size() - 13));
  e = error_of(dir + "/trunc.npy");
  EXPECT_NE(e.find("truncated data"), std::string::npos) << e;
  EXPECT_NE(e.find("(100, 2)"), std::string::npos) << e;

  test::write_file(dir + "/trunc_header.npy", full.substr(0, 30));
  EXPECT_NE(error_of(dir + "/trunc_header.npy").find("truncated"), std::string::npos);

  write_npy_raw(dir + "/complex.npy", "<c16", false, {1}, std::string(16, '\0'));
  e = error_of(dir + "/complex.npy");
  EXPECT_NE(e.find("unsupported dtype '<c16'"), std::string::npos) << e;

  write_npy_raw(dir + "/object.npy", "|O", false, {1}, std::string(8, '\0'));
  e = error_of(dir + "/object.npy");
  EXPECT_NE(e.find("object arrays"), std::string::npos) << e;

  EXPECT_NE(error_of(dir + "/missing.npy").find("cannot open"), std::string::npos);
}

namespace {

/// This process's resident anonymous memory (its own pages, not a file's), in bytes.
int64_t resident_anonymous_bytes() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    int64_t kb;
    if (key == "RssAnon:" && status >> kb) return kb * 1024;
  }
  return -1;
}

}  // namespace

TEST(Npy, MappedValuesAreReadInPlaceAndCopiedOnWrite) {
  const std::string dir = test::scratch_dir("npy_mapped");
  std::vector<double> v(3000);
  for (size_t i = 0; i < v.size(); ++i) v[i] = 0.5 * static_cast<double>(i) - 7;
  write_npy(dir + "/x.npy", Array({1000, 3}, v), NpyDtype::Float64);
  const std::string file_before = test::read_file(dir + "/x.npy");
  Array a = read_npy(dir + "/x.npy", NpyMapping::Always);
  ASSERT_TRUE(a.data.is_view());
  const Array shared = a;  // a copy of the array shares the mapping
  EXPECT_TRUE(shared.data.is_view());
  EXPECT_EQ(shared.data.data(), std::as_const(a).data.data());  // (a non-const data() would copy)
  EXPECT_EQ(a.data.to_vector(), v);
  EXPECT_EQ(a.slice_frames(10, 12).data.to_vector(), std::vector<double>(v.begin() + 30, v.begin() + 36));
  // The first write copies: the file and the other array keep the old values.
  a.at(5, 1) = 99;
  EXPECT_FALSE(a.data.is_view());
  EXPECT_EQ(a.data[16], 99);
  EXPECT_EQ(shared.data[16], v[16]);
  EXPECT_EQ(test::read_file(dir + "/x.npy"), file_before);
  EXPECT_EQ(read_npy(dir + "/x.npy").data.to_vector(), v);
  // Replacing the file by renaming (our writers) leaves a live mapping whole.
  write_npy(dir + "/x.npy", Array({2}, {1, 2}), NpyDtype::Float64);
  EXPECT_EQ(shared.data.to_vector(), v);
}

TEST(Npy, MappedPagesAreTheFilesNotTheProcesss) {
  // 32 MiB of float64: above the threshold of NpyMapping::Auto. Read in
  // place, every value touched, the process's own (anonymous) memory stays
  // flat: the pages are the file's, shared by every process that maps it.
  const std::string dir = test::scratch_dir("npy_mapped_pages");
  const int64_t n = (int64_t{32} << 20) / 8;
  ASSERT_GE(n * 8, kNpyMapThreshold);
  {
    Array big = Array::zeros({n / 4, 4});
    for (int64_t i = 0; i < n; ++i) big.data[static_cast<size_t>(i)] = static_cast<double>(i % 1000);
    write_npy(dir + "/big.npy", big, NpyDtype::Float64);
  }
  auto touch = [](const Array& a) {
    double s = 0;
    for (double x : a.data) s += x;
    return s;
  };
  const double expected = 999.0 * 1000 / 2 * static_cast<double>(n / 1000) + (n % 1000) * ((n % 1000) - 1) / 2.0;
  const int64_t before = resident_anonymous_bytes();
  ASSERT_GT(before, 0);
  {
    const Array mapped = read_npy(dir + "/big.npy");
    ASSERT_TRUE(mapped.data.is_view());
    EXPECT_EQ(touch(mapped), expected);
    EXPECT_LT(resident_anonymous_bytes() - before, int64_t{4} << 20);
  }
  const Array copied = read_npy(dir + "/big.npy", NpyMapping::Never);
  EXPECT_FALSE(copied.data.is_view());
  EXPECT_EQ(touch(copied), expected);
  EXPECT_GT(resident_anonymous_bytes() - before, int64_t{30} << 20) << "the measure itself must see a copy";
}

TEST(NpyDeathTest, AMappedFileTruncatedUnderTheRunEndsItWithAClearMessage) {
  const std::string dir = test::scratch_dir("npy_mapped_truncated");
  const std::string path = dir + "/x.npy";
  write_npy(path, Array::zeros({100000, 2}), NpyDtype::Float64);
  EXPECT_EXIT(
      {
        explain_bus_errors();
        const Array a = read_npy(path, NpyMapping::Always);
        std::ofstream(path, std::ios::trunc).close();  // what np.save to the same name does first
        volatile double x = a.data[a.data.size() - 1];
        (void)x;
        std::exit(0);
      },
      ::testing::ExitedWithCode(135), "truncated or rewritten in place");
}

TEST(Npy, FailedWriteLeavesExistingFileIntact) {
  const std::string dir = test::scratch_dir("npy_atomic");
  write_npy(dir + "/x.npy", Array({2}, {1, 2}));
  const std::string before = test::read_file(dir + "/x.npy");
  // A writer that dies half-way: the old file survives, no temporary is left.
  EXPECT_THROW(write_atomically(dir + "/x.npy",
                                [](const std::string& tmp) {
                                  test::write_file(tmp, "\x93NUMPY half");
                                  throw Error("disk full");
                                }),
               Error);
  EXPECT_EQ(test::read_file(dir + "/x.npy"), before);
  EXPECT_EQ(std::system(("test -z \"$(ls " + dir + " | grep tmp)\"").c_str()), 0);
  EXPECT_THROW(write_npy(dir + "/no_such_dir/x.npy", Array({2}, {3, 4})), Error);
}
