#pragma once
// Checksummed framing of serialised archives (checkpoints, training states):
// "DYNAECKP", u32 version, u32 CRC-32 of the contents, u64 length, then the
// contents. The CRC is checked before anything parses the contents, so a
// damaged file never reaches LibTorch's archive parser, which can crash on
// malformed input. Torch-free.
#include <string>

namespace dynae {

std::string frame_bytes(const std::string& contents);

/// The contents of framed bytes, checked. Throws CheckpointError naming
/// `what` for a damaged, truncated or extended frame. Unframed bytes (files
/// from before framing) are refused, or returned as they are with
/// `allow_unframed`.
std::string unframe_bytes(const std::string& bytes, const std::string& what, bool allow_unframed);

}  // namespace dynae
