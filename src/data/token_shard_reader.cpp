#include "data/token_shard_reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"
#include "data/token_shard_format.h"

namespace hone {
namespace {

template <class... Parts>
[[noreturn]] void invalid(const std::string& path, const Parts&... parts) {
  fail("token shard '", path, "' is invalid: ", parts..., " (re-create it with 'hone tokenize')");
}

}  // namespace

TokenShard TokenShard::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("cannot open token shard '", path, "': ", std::strerror(errno), " (check the path)");
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    fail("cannot read token shard '", path, "': not a readable regular file");
  }
  const uint64_t size = static_cast<uint64_t>(info.st_size);
  if (size < token_shard::kHeaderBytes) {
    ::close(fd);
    invalid(path, "the file is truncated: ", size, " bytes, shorter than the ", token_shard::kHeaderBytes, "-byte header");
  }
  void* base = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  int error = errno;
  ::close(fd);  // the mapping outlives the descriptor
  if (base == MAP_FAILED) fail("cannot map token shard '", path, "' into memory: ", std::strerror(error));

  TokenShard shard;
  shard.path_ = path;
  shard.mapping_ = std::shared_ptr<void>(base, [size](void* p) { ::munmap(p, size); });
  const auto* bytes = static_cast<const unsigned char*>(base);
  token_shard::Header header;
  std::memcpy(&header, bytes, sizeof header);
  if (std::memcmp(header.magic, token_shard::kMagic, sizeof header.magic) != 0)
    invalid(path, "wrong magic bytes, this is not a hone token shard");
  if (header.version != token_shard::kVersion)
    fail("token shard '", path, "' has format version ", header.version, ", this build reads version ",
         token_shard::kVersion, " (re-create it with this build's 'hone tokenize', or use a matching hone)");
  if (header.token_bytes != 2 && header.token_bytes != 4)
    invalid(path, "unsupported token width of ", header.token_bytes, " bytes (expected 2 or 4)");
  if (header.vocab_size == 0 || header.vocab_size > (uint64_t{1} << 32))
    invalid(path, "vocabulary size ", header.vocab_size, " is out of range");
  if (header.token_bytes != token_shard::token_bytes_for_vocab(static_cast<int64_t>(header.vocab_size)))
    invalid(path, "token width ", header.token_bytes, " does not match vocabulary size ", header.vocab_size);
  // Bound the counts before computing the expected size so the arithmetic cannot overflow.
  if (header.token_count > size || header.document_count > size)
    invalid(path, "the file is truncated: the header promises ", header.document_count, " documents and ",
            header.token_count, " tokens, more than ", size, " bytes can hold");
  const uint64_t expected = token_shard::file_bytes(header.document_count, header.token_count, header.token_bytes);
  if (size < expected)
    invalid(path, "the file is truncated: ", size, " bytes, the header promises ", expected);
  if (size > expected) invalid(path, size - expected, " unexpected bytes after the document index");

  shard.vocab_size_ = static_cast<int64_t>(header.vocab_size);
  shard.document_count_ = static_cast<int64_t>(header.document_count);
  shard.token_count_ = static_cast<int64_t>(header.token_count);
  shard.token_bytes_ = static_cast<int>(header.token_bytes);
  shard.tokens_ = bytes + token_shard::kHeaderBytes;
  shard.offsets_ = reinterpret_cast<const uint64_t*>(bytes + token_shard::index_offset(header.token_count, header.token_bytes));

  const uint64_t* offsets = shard.offsets_;
  if (offsets[0] != 0) invalid(path, "document index out of range: the first offset is ", offsets[0], ", not 0");
  for (int64_t d = 0; d < shard.document_count_; ++d) {
    if (offsets[d + 1] < offsets[d] || offsets[d + 1] > header.token_count)
      invalid(path, "document index out of range: document ", d, " spans tokens [", offsets[d], ", ",
              offsets[d + 1], ") of ", header.token_count);
  }
  if (offsets[shard.document_count_] != header.token_count)
    invalid(path, "document index out of range: the last offset is ", offsets[shard.document_count_],
            ", the token count is ", header.token_count);
  return shard;
}

int32_t TokenShard::token(int64_t position) const {
  if (token_bytes_ == 2) {
    uint16_t value;
    std::memcpy(&value, tokens_ + 2 * position, 2);
    return value;
  }
  uint32_t value;
  std::memcpy(&value, tokens_ + 4 * position, 4);
  return static_cast<int32_t>(value);
}

void TokenShard::copy_tokens(int64_t begin, int64_t end, int32_t* out) const {
  HONE_CHECK(begin >= 0 && begin <= end && end <= token_count_, "token range [", begin, ", ", end,
             ") is outside token shard '", path_, "' of ", token_count_, " tokens");
  if (token_bytes_ == 2) {
    const auto* source = reinterpret_cast<const uint16_t*>(tokens_) + begin;
    for (int64_t i = 0; i < end - begin; ++i) out[i] = source[i];
  } else {
    const auto* source = reinterpret_cast<const uint32_t*>(tokens_) + begin;
    for (int64_t i = 0; i < end - begin; ++i) out[i] = static_cast<int32_t>(source[i]);
  }
}

void TokenShard::verify_tokens() const {
  for (int64_t i = 0; i < token_count_; ++i) {
    const int64_t id = static_cast<uint32_t>(token(i));
    if (id >= vocab_size_) invalid(path_, "token ", i, " has id ", id, ", outside the vocabulary of ", vocab_size_);
  }
}

}  // namespace hone
