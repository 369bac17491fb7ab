#pragma once
// A token shard mapped read-only into memory (format in token_shard_format.h). open() validates the
// header, the file size and the document index, so every later access is in range; token ids are
// checked against the vocabulary by verify_tokens(), which touches every page and is therefore opt-in.
#include <cstdint>
#include <memory>
#include <string>

namespace hone {

class TokenShard {
 public:
  static TokenShard open(const std::string& path);

  const std::string& path() const { return path_; }
  int64_t vocab_size() const { return vocab_size_; }
  int64_t document_count() const { return document_count_; }
  int64_t token_count() const { return token_count_; }
  int token_bytes() const { return token_bytes_; }

  // Tokens [begin, end) of document d in the shard's token array.
  int64_t document_begin(int64_t d) const { return static_cast<int64_t>(offsets_[d]); }
  int64_t document_end(int64_t d) const { return static_cast<int64_t>(offsets_[d + 1]); }
  int64_t document_length(int64_t d) const { return document_end(d) - document_begin(d); }
  int32_t token(int64_t position) const;
  // Copies tokens [begin, end) of the shard's token array, widened to int32.
  void copy_tokens(int64_t begin, int64_t end, int32_t* out) const;

  // Throws unless every token id is below the vocabulary size.
  void verify_tokens() const;

 private:
  std::string path_;
  std::shared_ptr<void> mapping_;
  const unsigned char* tokens_ = nullptr;
  const uint64_t* offsets_ = nullptr;
  int64_t vocab_size_ = 0;
  int64_t document_count_ = 0;
  int64_t token_count_ = 0;
  int token_bytes_ = 2;
};

}  // namespace hone
