#pragma once
// The token shards of one dataset seen as one run of documents: global document i is the i-th in shard
// order. PackedDataset and DocumentChunks both read a dataset through it.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "data/token_shard_reader.h"

namespace hone {

// What a dataset directory's dataset.json (written last by `hone tokenize`) says.
struct DatasetManifest {
  std::vector<std::string> shard_paths;  // resolved against the directory, at least one
  int32_t eos_id = -1;
  std::string tokenizer_dir;  // empty when none is recorded
};
// Throws hone::Error when the file is missing or malformed, saying to re-create the dataset.
DatasetManifest read_dataset_manifest(const std::string& directory);

class TokenShardSet {
 public:
  // At least one shard; every shard must share one vocabulary (one tokenizer made the dataset).
  explicit TokenShardSet(std::vector<TokenShard> shards);

  // (shard index, document within that shard) of a global document index.
  std::pair<int64_t, int64_t> locate(int64_t global) const;
  int64_t document_length(int64_t global) const;

  const TokenShard& shard(int64_t index) const { return shards_[static_cast<size_t>(index)]; }
  int64_t document_count() const { return first_document_.back(); }
  int64_t token_count() const { return token_count_; }
  int64_t vocab_size() const { return shards_.front().vocab_size(); }

 private:
  std::vector<TokenShard> shards_;
  std::vector<int64_t> first_document_;  // prefix sums of document counts, one past the end last
  int64_t token_count_ = 0;
};

}  // namespace hone
