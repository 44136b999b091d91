#include "util/framed_bytes.h"

#include <boost/crc.hpp>

#include <cstdint>

#include "dynae/errors.h"

namespace dynae {
namespace {

constexpr char kMagic[8] = {'D', 'Y', 'N', 'A', 'E', 'C', 'K', 'P'};
constexpr size_t kHeader = 24;

void put_le(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

uint64_t get_le(const std::string& in, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(in[at + i])) << (8 * i);
  return v;
}

uint32_t crc_from(const std::string& s, size_t from) {
  boost::crc_32_type crc;
  if (s.size() > from) crc.process_bytes(s.data() + from, s.size() - from);
  return crc.checksum();
}

}  // namespace

std::string frame_bytes(const std::string& contents) {
  std::string out(kMagic, sizeof kMagic);
  put_le(out, 1, 4);
  put_le(out, crc_from(contents, 0), 4);
  put_le(out, contents.size(), 8);
  return out + contents;
}

std::string unframe_bytes(const std::string& bytes, const std::string& what, bool allow_unframed) {
  if (bytes.size() < sizeof kMagic || bytes.compare(0, sizeof kMagic, kMagic, sizeof kMagic) != 0) {
    if (allow_unframed) return bytes;
    // Only an unframed LibTorch archive (a zip) can be an earlier dynae's checkpoint.
    const bool zip = bytes.compare(0, 4, "PK\x03\x04", 4) == 0;
    const bool npy = bytes.compare(0, 6, "\x93NUMPY", 6) == 0;
    throw CheckpointError(
        "'" + what + "': not a dynae model checkpoint" +
        (npy ? std::string(": it is a .npy array (a model is a run's model.pt)")
             : zip ? std::string(" (no checkpoint header; a checkpoint written by an earlier dynae, without a "
                                 "checksum, is read only with DYNAE_UNVERIFIED_CHECKPOINTS=1 set, as its integrity "
                                 "cannot be checked)")
                   : std::string(" (no checkpoint header: a model is a run's model.pt)")));
  }
  if (bytes.size() < kHeader) throw CheckpointError("'" + what + "': truncated checkpoint header");
  const uint64_t version = get_le(bytes, 8, 4), crc = get_le(bytes, 12, 4), length = get_le(bytes, 16, 8);
  if (version != 1) {
    throw CheckpointError("'" + what + "': checkpoint frame version " + std::to_string(version) + " is not known");
  }
  if (length != bytes.size() - kHeader) {
    throw CheckpointError("'" + what + "': truncated or extended checkpoint (" + std::to_string(bytes.size() - kHeader) +
                          " bytes of contents, its header says " + std::to_string(length) + ")");
  }
  if (crc_from(bytes, kHeader) != crc) {
    throw CheckpointError("'" + what + "': the checkpoint's contents do not match its checksum (a damaged file)");
  }
  return bytes.substr(kHeader);
}

}  // namespace dynae
