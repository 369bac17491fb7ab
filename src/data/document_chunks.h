#pragma once
// Documents of a token dataset (`hone tokenize` output) read as chunks, the way seqio's split_tokens
// cuts each document: a chunk never crosses a document boundary, and a document longer than a chunk
// continues in the next one. Each epoch visits every document once in a seeded shuffled order (a pure
// function of (seed, epoch)); epochs follow each other without end.
//
// Unlike PackedDataset (causal-LM windows over one EOS-joined stream), nothing is appended: the
// objectives add EOS themselves, per example.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "data/token_shard_reader.h"
#include "data/token_shard_set.h"

namespace hone {

// Where the next chunk starts.
struct DocumentPosition {
  int64_t epoch = 0;
  int64_t document = 0;  // position in the epoch's visiting order
  int64_t offset = 0;    // token within that document
  bool operator==(const DocumentPosition&) const = default;
};

class DocumentChunks {
 public:
  // A directory written by `hone tokenize` (dataset.json lists the shards, EOS and tokenizer).
  static DocumentChunks open_directory(const std::string& directory, uint64_t seed, bool shuffle);

  // Up to max_tokens tokens of the document at `position`, then advances it: to the rest of the same
  // document, or to the start of the next one (and epoch) once the document is used up. An empty
  // document yields an empty chunk.
  std::vector<int32_t> read(DocumentPosition& position, int64_t max_tokens);

  // Throws unless the position lies inside the dataset.
  void check_position(const DocumentPosition& position);

  // Global document indices (shard order) in the visiting order of an epoch.
  std::vector<int64_t> epoch_order(int64_t epoch) const;

  int64_t document_count() const { return shards_.document_count(); }
  int64_t token_count() const { return shards_.token_count(); }
  int64_t vocab_size() const { return shards_.vocab_size(); }
  int32_t eos_id() const { return eos_id_; }
  // The tokenizer directory recorded in dataset.json; empty when none is recorded.
  const std::string& tokenizer_dir() const { return tokenizer_dir_; }

 private:
  DocumentChunks(std::vector<TokenShard> shards, uint64_t seed, bool shuffle);
  const std::vector<int64_t>& order(int64_t epoch);
  std::pair<const TokenShard*, int64_t> locate(int64_t global) const;

  TokenShardSet shards_;
  uint64_t seed_ = 0;
  bool shuffle_ = true;
  int32_t eos_id_ = -1;
  std::string tokenizer_dir_;
  int64_t order_epoch_ = -1;
  std::vector<int64_t> order_;
};

}  // namespace hone
