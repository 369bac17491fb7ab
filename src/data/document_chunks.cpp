#include "data/document_chunks.h"

#include <algorithm>

#include "core/error.h"
#include "core/rng.h"

namespace hone {
namespace {

// Keeps the shuffle's random numbers apart from the objectives' per-example streams under the same seed
// (those use example_index << 8 | purpose with small purposes).
constexpr uint64_t kDocumentOrderStream = uint64_t{0x444F43534855} << 16;  // "DOCSHU"

}  // namespace

DocumentChunks DocumentChunks::open_directory(const std::string& directory, uint64_t seed, bool shuffle) {
  const DatasetManifest manifest = read_dataset_manifest(directory);
  std::vector<TokenShard> shards;
  for (const std::string& path : manifest.shard_paths) shards.push_back(TokenShard::open(path));
  const int32_t eos_id = manifest.eos_id;
  DocumentChunks chunks(std::move(shards), seed, shuffle);
  HONE_CHECK(eos_id >= 0 && eos_id < chunks.vocab_size(), "dataset '", directory, "': EOS id ", eos_id,
             " is not in the vocabulary [0, ", chunks.vocab_size(), ")");
  chunks.eos_id_ = eos_id;
  chunks.tokenizer_dir_ = manifest.tokenizer_dir;
  return chunks;
}

DocumentChunks::DocumentChunks(std::vector<TokenShard> shards, uint64_t seed, bool shuffle)
    : shards_(std::move(shards)), seed_(seed), shuffle_(shuffle) {
  HONE_CHECK(token_count() > 0, "the token shards hold no tokens (", document_count(), " empty documents)");
}

std::vector<int64_t> DocumentChunks::epoch_order(int64_t epoch) const {
  std::vector<int64_t> order(static_cast<size_t>(document_count()));
  for (int64_t i = 0; i < document_count(); ++i) order[i] = i;
  if (!shuffle_) return order;
  // Fisher-Yates from the back with a 64-bit counter-based draw per step: a pure function of
  // (seed, epoch). The modulo bias of 64 bits over n documents is negligible.
  const uint64_t stream = kDocumentOrderStream + static_cast<uint64_t>(epoch);
  for (int64_t i = document_count() - 1; i > 0; --i) {
    const uint64_t draw = (uint64_t{random_u32(seed_, stream, 2 * i)} << 32) | random_u32(seed_, stream, 2 * i + 1);
    std::swap(order[i], order[draw % static_cast<uint64_t>(i + 1)]);
  }
  return order;
}

const std::vector<int64_t>& DocumentChunks::order(int64_t epoch) {
  if (order_epoch_ != epoch) {
    order_ = epoch_order(epoch);
    order_epoch_ = epoch;
  }
  return order_;
}

std::pair<const TokenShard*, int64_t> DocumentChunks::locate(int64_t global) const {
  const auto [shard, local] = shards_.locate(global);
  return {&shards_.shard(shard), local};
}

std::vector<int32_t> DocumentChunks::read(DocumentPosition& position, int64_t max_tokens) {
  HONE_CHECK(max_tokens >= 1, "document chunks: chunk length ", max_tokens, " must be at least 1");
  const auto [shard, local] = locate(order(position.epoch)[position.document]);
  const int64_t length = shard->document_length(local);
  const int64_t take = std::min(max_tokens, length - position.offset);
  std::vector<int32_t> chunk(static_cast<size_t>(take));
  const int64_t begin = shard->document_begin(local) + position.offset;
  shard->copy_tokens(begin, begin + take, chunk.data());
  position.offset += take;
  if (position.offset == length) {
    position.offset = 0;
    if (++position.document == document_count()) {
      position.document = 0;
      ++position.epoch;
    }
  }
  return chunk;
}

void DocumentChunks::check_position(const DocumentPosition& position) {
  bool valid = position.epoch >= 0 && position.document >= 0 && position.document < document_count() &&
               position.offset >= 0;
  if (valid) {
    const auto [shard, local] = locate(order(position.epoch)[position.document]);
    valid = position.offset == 0 || position.offset < shard->document_length(local);
  }
  HONE_CHECK(valid, "the saved data position lies outside the dataset (epoch ", position.epoch, ", document ",
             position.document, ", offset ", position.offset, ")");
}

}  // namespace hone
