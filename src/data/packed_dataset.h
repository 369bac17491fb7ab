#pragma once
// Training windows from token shards. Documents stay whole in the shards; each epoch visits every
// document once in a seeded shuffled order (the same seed gives the same order, and every epoch has its
// own), and the documents form one token stream with EOS after each:
//
//   doc_a EOS doc_b EOS doc_c EOS | next epoch: doc_c EOS doc_a EOS ...
//
// Window k is stream[k*T, k*T + T + 1): T+1 tokens, inputs = first T, targets = last T. Consecutive
// windows share one token, so every stream token after the first is a target exactly once (as in
// llm.c's loader). The stream runs on across epochs, nothing is dropped or padded.
//
// Each window also carries segment ids: 0 for the document the window starts in, +1 for each document
// that starts inside it; an EOS belongs to the document it ends. Later code builds segment masks from
// them (attention within a document only).
//
// The cursor (epoch, document within the epoch's order, token offset within it) says where the next
// window starts; saving it as JSON and restoring it continues the stream exactly.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"
#include "data/token_shard_reader.h"
#include "data/token_shard_set.h"

namespace hone {

struct PackedDatasetOptions {
  int64_t sequence_length = 0;  // T; a window holds T+1 tokens
  uint64_t seed = 0;
  bool shuffle = true;   // false: documents in shard order every epoch
  int32_t eos_id = -1;   // -1: from the directory's dataset.json
  bool verify_tokens = false;  // check every token id against the vocabulary at open (reads all shards)
};

struct DataCursor {
  int64_t epoch = 0;
  int64_t document = 0;  // position in the epoch's document order
  int64_t offset = 0;    // token within that document; offset == length means its EOS
  bool operator==(const DataCursor&) const = default;
};

struct PackedBatch {
  Tensor tokens;       // I32 [batch, T+1]
  Tensor segment_ids;  // I32 [batch, T+1]
  Tensor inputs() const { return tokens.slice(1, 0, tokens.size(1) - 1); }   // [batch, T]
  Tensor targets() const { return tokens.slice(1, 1, tokens.size(1)); }      // [batch, T]
};

class PackedDataset {
 public:
  // A directory written by `hone tokenize` (its dataset.json lists the shards and the EOS id).
  static PackedDataset open_directory(const std::string& directory, PackedDatasetOptions options);
  // Explicit shard files; options.eos_id is required.
  static PackedDataset open_shards(const std::vector<std::string>& paths, PackedDatasetOptions options);

  PackedBatch next_batch(int64_t batch_size);
  // One window into caller memory: T+1 tokens and T+1 segment ids.
  void next_window(int32_t* tokens, int32_t* segment_ids);

  const DataCursor& cursor() const { return cursor_; }
  // The cursor plus what it belongs to (seed, T, dataset size), so a mismatched restore is caught.
  nlohmann::json save_cursor() const;
  void restore_cursor(const nlohmann::json& saved);

  // Global document indices (shard order) in the visiting order of an epoch.
  std::vector<int64_t> epoch_order(int64_t epoch) const;
  int64_t document_count() const { return shards_.document_count(); }
  int64_t token_count() const { return shards_.token_count(); }
  int64_t vocab_size() const { return shards_.vocab_size(); }
  int32_t eos_id() const { return options_.eos_id; }
  int64_t sequence_length() const { return options_.sequence_length; }

 private:
  PackedDataset(std::vector<TokenShard> shards, PackedDatasetOptions options);
  void start_epoch(int64_t epoch);
  // Copies n stream tokens from cursor c into out, advancing c; `segment` counts the EOS tokens passed.
  void read_stream(DataCursor& c, int64_t n, int32_t* tokens, int32_t* segment_ids, int32_t& segment);

  TokenShardSet shards_;
  PackedDatasetOptions options_;
  DataCursor cursor_;
  int64_t order_epoch_ = -1;
  std::vector<int64_t> order_;
};

}  // namespace hone
