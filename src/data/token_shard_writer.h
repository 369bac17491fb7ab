#pragma once
// Writes one token shard (format in token_shard_format.h) document by document. The file appears
// atomically: everything goes to a temporary file next to the target that is fsynced and renamed into
// place by finish(); a writer destroyed before finish() (an error, a crash) leaves any previous file
// at that path untouched.
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

namespace hone {

class TokenShardWriter {
 public:
  TokenShardWriter(const std::string& path, int64_t vocab_size);
  ~TokenShardWriter();
  TokenShardWriter(const TokenShardWriter&) = delete;
  TokenShardWriter& operator=(const TokenShardWriter&) = delete;

  // Every id must be in [0, vocab_size).
  void add_document(std::span<const int32_t> tokens);
  void finish();

  int64_t document_count() const { return static_cast<int64_t>(offsets_.size()) - 1; }
  int64_t token_count() const { return static_cast<int64_t>(offsets_.back()); }

 private:
  void write(const void* data, size_t bytes);
  template <class... Parts>
  [[noreturn]] void fail_write(const Parts&... parts) const;

  std::string path_;
  std::string temporary_path_;
  int64_t vocab_size_;
  uint32_t token_bytes_;
  FILE* file_ = nullptr;
  std::vector<uint64_t> offsets_{0};
  std::vector<char> staging_;
  bool finished_ = false;
};

}  // namespace hone
