#include "data/token_shard_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"
#include "data/token_shard_format.h"

namespace hone {

template <class... Parts>
void TokenShardWriter::fail_write(const Parts&... parts) const {
  fail("cannot write token shard '", path_, "': ", parts...,
       " (check that the directory exists, is writable and has free space; any previous file is unchanged)");
}

TokenShardWriter::TokenShardWriter(const std::string& path, int64_t vocab_size)
    : path_(path), vocab_size_(vocab_size), token_bytes_(token_shard::token_bytes_for_vocab(vocab_size)) {
  HONE_CHECK(vocab_size > 0 && vocab_size <= (int64_t{1} << 32), "token shard vocabulary size ", vocab_size,
             " is out of range (1 .. 2^32)");
  temporary_path_ = path + ".tmp." + std::to_string(::getpid());
  file_ = std::fopen(temporary_path_.c_str(), "wb");
  if (!file_) fail_write("creating '", temporary_path_, "' failed: ", std::strerror(errno));
  // The header is rewritten by finish(); zeros here mean an unfinished file never validates.
  char zeros[token_shard::kHeaderBytes] = {};
  write(zeros, sizeof zeros);
}

TokenShardWriter::~TokenShardWriter() {
  if (file_) std::fclose(file_);
  if (!finished_) std::remove(temporary_path_.c_str());
}

void TokenShardWriter::write(const void* data, size_t bytes) {
  if (bytes > 0 && std::fwrite(data, 1, bytes, file_) != bytes) fail_write("writing failed: ", std::strerror(errno));
}

void TokenShardWriter::add_document(std::span<const int32_t> tokens) {
  HONE_CHECK(!finished_, "token shard '", path_, "' is already finished");
  staging_.resize(tokens.size() * token_bytes_);
  for (size_t i = 0; i < tokens.size(); ++i) {
    const int32_t id = tokens[i];
    HONE_CHECK(id >= 0 && id < vocab_size_, "token id ", id, " is outside the vocabulary [0, ", vocab_size_,
               ") of token shard '", path_, "'");
    if (token_bytes_ == 2) {
      uint16_t value = static_cast<uint16_t>(id);
      std::memcpy(staging_.data() + 2 * i, &value, 2);
    } else {
      uint32_t value = static_cast<uint32_t>(id);
      std::memcpy(staging_.data() + 4 * i, &value, 4);
    }
  }
  write(staging_.data(), staging_.size());
  offsets_.push_back(offsets_.back() + tokens.size());
}

void TokenShardWriter::finish() {
  HONE_CHECK(!finished_, "token shard '", path_, "' is already finished");
  const uint64_t tokens = offsets_.back();
  const uint64_t data_end = token_shard::kHeaderBytes + tokens * token_bytes_;
  char padding[8] = {};
  write(padding, token_shard::index_offset(tokens, token_bytes_) - data_end);
  write(offsets_.data(), offsets_.size() * sizeof(uint64_t));

  token_shard::Header header{};
  std::memcpy(header.magic, token_shard::kMagic, sizeof header.magic);
  header.version = token_shard::kVersion;
  header.token_bytes = token_bytes_;
  header.vocab_size = static_cast<uint64_t>(vocab_size_);
  header.document_count = offsets_.size() - 1;
  header.token_count = tokens;
  if (std::fseek(file_, 0, SEEK_SET) != 0) fail_write("seeking failed: ", std::strerror(errno));
  write(&header, sizeof header);
  if (std::fflush(file_) != 0 || ::fsync(::fileno(file_)) != 0) fail_write("flushing failed: ", std::strerror(errno));
  FILE* file = file_;
  file_ = nullptr;
  if (std::fclose(file) != 0) fail_write("closing failed: ", std::strerror(errno));
  if (std::rename(temporary_path_.c_str(), path_.c_str()) != 0)
    fail_write("renaming into place failed: ", std::strerror(errno));
  finished_ = true;
  // Persist the rename; the shard is already complete, so a failure here is not reported.
  std::string directory = path_.find('/') == std::string::npos ? "." : path_.substr(0, path_.rfind('/') + 1);
  int directory_fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (directory_fd >= 0) {
    ::fsync(directory_fd);
    ::close(directory_fd);
  }
}

}  // namespace hone
