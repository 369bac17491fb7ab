#pragma once
// A SentencePiece tokenizer plus hone's conventions. A tokenizer directory holds
//   tokenizer.model  the SentencePiece model (protobuf, loadable by any SentencePiece)
//   tokenizer.json   the conventions: special ids, sentinel count, vocabulary size, how it was trained
// With T5 conventions the SentencePiece model has pad 0, eos 1, unk 2 (no bos), and 100 sentinels
// <extra_id_0> .. <extra_id_99> are appended AFTER its pieces, as T5's tokenizer does: with V the full
// vocabulary size, <extra_id_k> is id V-1-k. Sentinels are not SentencePiece pieces, so encode() splits
// them out of the text itself and decode() prints them back.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace hone {

inline constexpr const char* kTokenizerModelFile = "tokenizer.model";
inline constexpr const char* kTokenizerConfigFile = "tokenizer.json";
inline constexpr int kT5SentinelCount = 100;

struct TokenizerConventions {
  int32_t pad_id = -1;  // -1: the tokenizer has no such token
  int32_t eos_id = -1;
  int32_t unk_id = -1;
  int32_t bos_id = -1;
  int sentinel_count = 0;
};

class Tokenizer {
 public:
  // Loads a tokenizer directory and checks that tokenizer.json matches the model.
  static Tokenizer load(const std::string& directory);

  std::vector<int32_t> encode(std::string_view text) const;
  // The pieces encode() would produce, as strings (sentinels as "<extra_id_k>").
  std::vector<std::string> encode_pieces(std::string_view text) const;
  std::string decode(std::span<const int32_t> ids) const;

  // Everything a model's embedding must cover: SentencePiece pieces plus sentinels.
  int64_t vocab_size() const { return piece_count_ + conventions_.sentinel_count; }
  int64_t piece_count() const { return piece_count_; }
  const TokenizerConventions& conventions() const { return conventions_; }
  int32_t pad_id() const { return conventions_.pad_id; }
  int32_t eos_id() const { return conventions_.eos_id; }
  int32_t unk_id() const { return conventions_.unk_id; }
  int32_t bos_id() const { return conventions_.bos_id; }
  int sentinel_count() const { return conventions_.sentinel_count; }
  // <extra_id_k>; k in [0, sentinel_count).
  int32_t sentinel_id(int k) const;
  std::string id_to_piece(int32_t id) const;
  // The id of an exact piece (or sentinel name); -1 if there is none.
  int32_t piece_to_id(std::string_view piece) const;
  bool is_byte_piece(int32_t id) const;

 private:
  // Appends the ids of a text that holds no sentinel.
  void encode_plain(std::string_view text, std::vector<int32_t>& ids) const;
  void check_id(int32_t id) const;

  std::shared_ptr<const sentencepiece::SentencePieceProcessor> processor_;
  int64_t piece_count_ = 0;
  TokenizerConventions conventions_;
};

}  // namespace hone
