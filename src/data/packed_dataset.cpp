#include "data/packed_dataset.h"

#include <algorithm>

#include "core/error.h"
#include "core/rng.h"

namespace hone {
namespace {

// Keeps the shuffle's random numbers apart from other users of the same seed.
constexpr uint64_t kShuffleStream = uint64_t{0x5348554646} << 24;

}  // namespace

PackedDataset PackedDataset::open_directory(const std::string& directory, PackedDatasetOptions options) {
  const DatasetManifest manifest = read_dataset_manifest(directory);
  if (options.eos_id < 0) options.eos_id = manifest.eos_id;
  return open_shards(manifest.shard_paths, options);
}

PackedDataset PackedDataset::open_shards(const std::vector<std::string>& paths, PackedDatasetOptions options) {
  HONE_CHECK(!paths.empty(), "a dataset needs at least one token shard");
  HONE_CHECK(options.sequence_length > 0, "sequence length ", options.sequence_length, " must be positive");
  std::vector<TokenShard> shards;
  for (const auto& path : paths) {
    shards.push_back(TokenShard::open(path));
    if (options.verify_tokens) shards.back().verify_tokens();
  }
  return PackedDataset(std::move(shards), options);
}

PackedDataset::PackedDataset(std::vector<TokenShard> shards, PackedDatasetOptions options)
    : shards_(std::move(shards)), options_(options) {
  HONE_CHECK(document_count() > 0, "the token shards hold no documents");
  HONE_CHECK(options_.eos_id >= 0 && options_.eos_id < vocab_size(), "EOS id ", options_.eos_id,
             " is not in the vocabulary [0, ", vocab_size(), "): pass the tokenizer's EOS id");
  start_epoch(0);
}

std::vector<int64_t> PackedDataset::epoch_order(int64_t epoch) const {
  std::vector<int64_t> order(static_cast<size_t>(document_count()));
  for (int64_t i = 0; i < document_count(); ++i) order[i] = i;
  if (!options_.shuffle) return order;
  // Fisher-Yates from the back, with a 64-bit draw per step from the counter-based RNG: the order is a
  // pure function of (seed, epoch). The modulo bias of 64 bits over n documents is negligible.
  const uint64_t stream = kShuffleStream + static_cast<uint64_t>(epoch);
  for (int64_t i = document_count() - 1; i > 0; --i) {
    const uint64_t draw = (uint64_t{random_u32(options_.seed, stream, 2 * i)} << 32) | random_u32(options_.seed, stream, 2 * i + 1);
    const int64_t j = static_cast<int64_t>(draw % static_cast<uint64_t>(i + 1));
    std::swap(order[i], order[j]);
  }
  return order;
}

void PackedDataset::start_epoch(int64_t epoch) {
  if (order_epoch_ == epoch) return;
  order_ = epoch_order(epoch);
  order_epoch_ = epoch;
}

void PackedDataset::read_stream(DataCursor& c, int64_t n, int32_t* tokens, int32_t* segment_ids, int32_t& segment) {
  int64_t written = 0;
  while (written < n) {
    if (c.document == document_count()) {
      ++c.epoch;
      c.document = 0;
      c.offset = 0;
    }
    start_epoch(c.epoch);
    const auto [shard_index, local] = shards_.locate(order_[c.document]);
    const TokenShard& shard = shards_.shard(shard_index);
    const int64_t length = shard.document_length(local);
    if (c.offset < length) {
      const int64_t take = std::min(n - written, length - c.offset);
      shard.copy_tokens(shard.document_begin(local) + c.offset, shard.document_begin(local) + c.offset + take, tokens + written);
      std::fill(segment_ids + written, segment_ids + written + take, segment);
      written += take;
      c.offset += take;
    } else {
      // The document's EOS, still part of its segment; the next token starts a new one.
      tokens[written] = options_.eos_id;
      segment_ids[written] = segment;
      ++written;
      ++segment;
      ++c.document;
      c.offset = 0;
    }
  }
}

void PackedDataset::next_window(int32_t* tokens, int32_t* segment_ids) {
  const int64_t T = options_.sequence_length;
  int32_t segment = 0;
  read_stream(cursor_, T, tokens, segment_ids, segment);
  // The window's last token is the next window's first: read it from a copy of the cursor.
  DataCursor peek = cursor_;
  read_stream(peek, 1, tokens + T, segment_ids + T, segment);
}

PackedBatch PackedDataset::next_batch(int64_t batch_size) {
  HONE_CHECK(batch_size > 0, "batch size ", batch_size, " must be positive");
  const int64_t width = options_.sequence_length + 1;
  PackedBatch batch;
  batch.tokens = Tensor::empty({batch_size, width}, DType::I32);
  batch.segment_ids = Tensor::empty({batch_size, width}, DType::I32);
  int32_t* tokens = batch.tokens.data<int32_t>();
  int32_t* segments = batch.segment_ids.data<int32_t>();
  for (int64_t b = 0; b < batch_size; ++b) next_window(tokens + b * width, segments + b * width);
  return batch;
}

nlohmann::json PackedDataset::save_cursor() const {
  return {
      {"epoch", cursor_.epoch},
      {"document", cursor_.document},
      {"offset", cursor_.offset},
      {"seed", options_.seed},
      {"shuffle", options_.shuffle},
      {"sequence_length", options_.sequence_length},
      {"documents", document_count()},
      {"tokens", token_count()},
  };
}

void PackedDataset::restore_cursor(const nlohmann::json& saved) {
  DataCursor c;
  try {
    c.epoch = saved.at("epoch").get<int64_t>();
    c.document = saved.at("document").get<int64_t>();
    c.offset = saved.at("offset").get<int64_t>();
    const auto seed = saved.at("seed").get<uint64_t>();
    const auto shuffle = saved.at("shuffle").get<bool>();
    const auto sequence_length = saved.at("sequence_length").get<int64_t>();
    const auto documents = saved.at("documents").get<int64_t>();
    const auto tokens = saved.at("tokens").get<int64_t>();
    HONE_CHECK(documents == document_count() && tokens == token_count(), "the data cursor belongs to a dataset of ",
               documents, " documents and ", tokens, " tokens, this one has ", document_count(), " and ", token_count(),
               ": resume with the same token shards");
    HONE_CHECK(seed == options_.seed && shuffle == options_.shuffle, "the data cursor was saved with seed ", seed,
               shuffle ? "" : " (no shuffle)", ", this dataset uses seed ", options_.seed,
               options_.shuffle ? "" : " (no shuffle)", ": resume with the same data seed");
    HONE_CHECK(sequence_length == options_.sequence_length, "the data cursor was saved with sequence length ",
               sequence_length, ", this dataset uses ", options_.sequence_length);
  } catch (const nlohmann::json::exception& e) {
    fail("the saved data cursor is malformed: ", e.what());
  }
  bool valid = c.epoch >= 0 && c.document >= 0 && c.document <= document_count() && c.offset >= 0;
  if (valid) {
    start_epoch(c.epoch);
    valid = c.document == document_count() ? c.offset == 0 : c.offset <= shards_.document_length(order_[c.document]);
  }
  HONE_CHECK(valid, "the saved data cursor points outside the dataset (epoch ", c.epoch, ", document ", c.document,
             ", offset ", c.offset, ")");
  cursor_ = c;
}

}  // namespace hone
