#pragma once
// The token shard file format, version 1 (all integers little-endian):
//
//   offset  size  field
//        0     8  magic "HONETOK\0"
//        8     4  format version (u32, = 1)
//       12     4  bytes per token (u32: 2 = u16 tokens when vocab <= 65536, 4 = u32 otherwise)
//       16     8  vocabulary size (u64)
//       24     8  document count D (u64)
//       32     8  token count N (u64)
//       40    24  reserved, zero
//       64  N*w   tokens, every document's tokens back to back (no EOS: packing adds it)
//        …     …  zero padding to a multiple of 8 bytes
//        …  8D+8  document index: D+1 u64 offsets into the token array, 0 first, N last, nondecreasing
//
// The header is a fixed 64 bytes so the token array starts cache-line aligned in an mmap.
#include <bit>
#include <cstddef>
#include <cstdint>

namespace hone::token_shard {

inline constexpr char kMagic[8] = {'H', 'O', 'N', 'E', 'T', 'O', 'K', '\0'};
inline constexpr uint32_t kVersion = 1;
inline constexpr size_t kHeaderBytes = 64;
inline constexpr int64_t kMaxU16Vocab = 65536;

struct Header {
  char magic[8];
  uint32_t version;
  uint32_t token_bytes;
  uint64_t vocab_size;
  uint64_t document_count;
  uint64_t token_count;
  uint8_t reserved[24];
};
// Shards are read and written with plain memcpy of native integers.
static_assert(std::endian::native == std::endian::little, "token shards assume a little-endian machine");
static_assert(sizeof(Header) == kHeaderBytes, "the shard header is exactly 64 bytes");

inline uint32_t token_bytes_for_vocab(int64_t vocab_size) { return vocab_size <= kMaxU16Vocab ? 2 : 4; }
inline uint64_t index_offset(uint64_t token_count, uint32_t token_bytes) {
  uint64_t end = kHeaderBytes + token_count * token_bytes;
  return (end + 7) / 8 * 8;
}
inline uint64_t file_bytes(uint64_t document_count, uint64_t token_count, uint32_t token_bytes) {
  return index_offset(token_count, token_bytes) + 8 * (document_count + 1);
}

}  // namespace hone::token_shard
