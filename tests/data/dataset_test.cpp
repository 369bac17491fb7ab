// The packed dataset: exact window layout with segment ids, seeded shuffling, the stream over epochs,
// and exact resume from a saved cursor.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "core/error.h"
#include "data/corpus_files.h"
#include "data/packed_dataset.h"
#include "data/token_shard_writer.h"

namespace hone {
namespace {

using testing::TempDir;

constexpr int32_t kEos = 0;

void write_shard(const std::string& path, int64_t vocab_size, const std::vector<std::vector<int32_t>>& documents) {
  TokenShardWriter writer(path, vocab_size);
  for (const auto& document : documents) writer.add_document(document);
  writer.finish();
}

std::vector<int32_t> row(const Tensor& t, int64_t b) {
  const int32_t* data = t.data<int32_t>() + b * t.size(1);
  return std::vector<int32_t>(data, data + t.size(1));
}

// Documents whose tokens name them: document d holds 100*(d+1)+i for i < length(d).
std::vector<std::vector<int32_t>> numbered_documents(int count) {
  std::vector<std::vector<int32_t>> documents;
  for (int d = 0; d < count; ++d) {
    std::vector<int32_t> tokens;
    for (int i = 0; i < 1 + (d * 5) % 9; ++i) tokens.push_back(100 * (d + 1) + i);
    documents.push_back(tokens);
  }
  return documents;
}

TEST(PackedDataset, WindowsOverlapByOneTokenWithEosAndSegments) {
  TempDir dir;
  write_shard(dir.file("a.tok"), 1000, {{11, 12, 13}, {21, 22}});
  PackedDatasetOptions options;
  options.sequence_length = 4;
  options.shuffle = false;
  options.eos_id = kEos;
  PackedDataset dataset = PackedDataset::open_shards({dir.file("a.tok")}, options);
  // Stream: 11 12 13 EOS 21 22 EOS | 11 12 13 EOS 21 22 EOS | ...
  PackedBatch batch = dataset.next_batch(3);
  ASSERT_EQ(batch.tokens.shape(), (Shape{3, 5}));
  EXPECT_EQ(row(batch.tokens, 0), (std::vector<int32_t>{11, 12, 13, kEos, 21}));
  EXPECT_EQ(row(batch.segment_ids, 0), (std::vector<int32_t>{0, 0, 0, 0, 1}));
  EXPECT_EQ(row(batch.tokens, 1), (std::vector<int32_t>{21, 22, kEos, 11, 12}));  // into epoch 1
  EXPECT_EQ(row(batch.segment_ids, 1), (std::vector<int32_t>{0, 0, 0, 1, 1}));
  EXPECT_EQ(row(batch.tokens, 2), (std::vector<int32_t>{12, 13, kEos, 21, 22}));
  EXPECT_EQ(row(batch.segment_ids, 2), (std::vector<int32_t>{0, 0, 0, 1, 1}));
  EXPECT_EQ(dataset.cursor(), (DataCursor{1, 1, 1}));  // next window starts at 22 of epoch 1
  // inputs/targets are the two shifted views of each window.
  EXPECT_EQ(batch.inputs().shape(), (Shape{3, 4}));
  EXPECT_EQ(batch.targets().shape(), (Shape{3, 4}));
  EXPECT_EQ(batch.inputs().data<int32_t>()[0], 11);
  EXPECT_EQ(batch.targets().data<int32_t>()[0], 12);
  EXPECT_EQ(batch.targets().data<int32_t>()[5 + 3], 12);  // row 1's last target
}

TEST(PackedDataset, WindowsInsideOneLongDocumentAreOneSegment) {
  TempDir dir;
  std::vector<int32_t> long_document(50);
  std::iota(long_document.begin(), long_document.end(), 1);
  write_shard(dir.file("a.tok"), 100, {long_document});
  PackedDatasetOptions options;
  options.sequence_length = 8;
  options.eos_id = 99;
  PackedDataset dataset = PackedDataset::open_shards({dir.file("a.tok")}, options);
  PackedBatch batch = dataset.next_batch(2);
  EXPECT_EQ(row(batch.tokens, 1), (std::vector<int32_t>{9, 10, 11, 12, 13, 14, 15, 16, 17}));
  EXPECT_EQ(row(batch.segment_ids, 1), std::vector<int32_t>(9, 0));
}

TEST(PackedDataset, ShuffleIsASeededPermutationPerEpoch) {
  TempDir dir;
  write_shard(dir.file("a.tok"), 10000, numbered_documents(30));
  write_shard(dir.file("b.tok"), 10000, numbered_documents(20));
  PackedDatasetOptions options;
  options.sequence_length = 16;
  options.eos_id = kEos;
  options.seed = 1234;
  auto open = [&](uint64_t seed) {
    PackedDatasetOptions o = options;
    o.seed = seed;
    return PackedDataset::open_shards({dir.file("a.tok"), dir.file("b.tok")}, o);
  };
  PackedDataset first = open(1234), again = open(1234), other = open(99);
  EXPECT_EQ(first.document_count(), 50);
  const auto order0 = first.epoch_order(0);
  EXPECT_EQ(order0, again.epoch_order(0));
  EXPECT_NE(order0, other.epoch_order(0));
  EXPECT_NE(order0, first.epoch_order(1));
  std::vector<int64_t> sorted = order0;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> identity(50);
  std::iota(identity.begin(), identity.end(), 0);
  EXPECT_EQ(sorted, identity);
  EXPECT_NE(order0, identity);
  // Pinned values: the order must not change between builds, or resumed runs would change data.
  EXPECT_EQ((std::vector<int64_t>(order0.begin(), order0.begin() + 5)), (std::vector<int64_t>{38, 32, 44, 18, 4}));
}

TEST(PackedDataset, StreamIsTheShuffledDocumentsWithEosAcrossEpochs) {
  TempDir dir;
  const auto documents = numbered_documents(13);
  write_shard(dir.file("a.tok"), 10000, std::vector<std::vector<int32_t>>(documents.begin(), documents.begin() + 6));
  write_shard(dir.file("b.tok"), 10000, std::vector<std::vector<int32_t>>(documents.begin() + 6, documents.end()));
  PackedDatasetOptions options;
  options.sequence_length = 7;
  options.eos_id = kEos;
  options.seed = 5;
  PackedDataset dataset = PackedDataset::open_shards({dir.file("a.tok"), dir.file("b.tok")}, options);
  // The expected stream for three epochs, built independently from epoch_order.
  std::vector<int32_t> stream, segments;
  for (int64_t epoch = 0; epoch < 3; ++epoch) {
    for (int64_t d : dataset.epoch_order(epoch)) {
      stream.insert(stream.end(), documents[d].begin(), documents[d].end());
      stream.push_back(kEos);
    }
  }
  const int64_t T = 7;
  const int64_t windows = (static_cast<int64_t>(stream.size()) - 1) / T;
  PackedBatch batch = dataset.next_batch(windows);
  for (int64_t k = 0; k < windows; ++k) {
    std::vector<int32_t> expected(stream.begin() + k * T, stream.begin() + k * T + T + 1);
    ASSERT_EQ(row(batch.tokens, k), expected) << "window " << k;
    // Segment ids: +1 after every EOS inside the window.
    std::vector<int32_t> expected_segments;
    int32_t segment = 0;
    for (int32_t token : expected) {
      expected_segments.push_back(segment);
      if (token == kEos) ++segment;
    }
    ASSERT_EQ(row(batch.segment_ids, k), expected_segments) << "window " << k;
  }
  EXPECT_GE(dataset.cursor().epoch, 2);
}

TEST(PackedDataset, ResumesExactlyFromASavedCursor) {
  TempDir dir;
  write_shard(dir.file("a.tok"), 10000, numbered_documents(17));
  PackedDatasetOptions options;
  options.sequence_length = 6;
  options.eos_id = kEos;
  options.seed = 77;
  const int64_t batch_size = 3, k = 5, more = 9;  // long enough to cross several epochs
  PackedDataset straight = PackedDataset::open_shards({dir.file("a.tok")}, options);
  std::vector<PackedBatch> expected;
  for (int64_t i = 0; i < k + more; ++i) expected.push_back(straight.next_batch(batch_size));
  EXPECT_GE(straight.cursor().epoch, 2);

  for (int64_t split : {int64_t{0}, int64_t{1}, k}) {
    PackedDataset first = PackedDataset::open_shards({dir.file("a.tok")}, options);
    for (int64_t i = 0; i < split; ++i) first.next_batch(batch_size);
    const std::string saved = first.save_cursor().dump();  // through text, as a checkpoint stores it
    PackedDataset resumed = PackedDataset::open_shards({dir.file("a.tok")}, options);
    resumed.restore_cursor(nlohmann::json::parse(saved));
    EXPECT_EQ(resumed.cursor(), first.cursor());
    for (int64_t i = split; i < k + more; ++i) {
      PackedBatch batch = resumed.next_batch(batch_size);
      for (int64_t b = 0; b < batch_size; ++b) {
        ASSERT_EQ(row(batch.tokens, b), row(expected[i].tokens, b)) << "split " << split << " batch " << i;
        ASSERT_EQ(row(batch.segment_ids, b), row(expected[i].segment_ids, b)) << "split " << split << " batch " << i;
      }
    }
  }
}

TEST(PackedDataset, RefusesACursorFromAnotherSetup) {
  TempDir dir;
  write_shard(dir.file("a.tok"), 10000, numbered_documents(9));
  write_shard(dir.file("b.tok"), 10000, numbered_documents(4));
  PackedDatasetOptions options;
  options.sequence_length = 6;
  options.eos_id = kEos;
  PackedDataset dataset = PackedDataset::open_shards({dir.file("a.tok")}, options);
  dataset.next_batch(2);
  const nlohmann::json saved = dataset.save_cursor();
  auto error_of = [&](PackedDataset& target, const nlohmann::json& cursor) -> std::string {
    try {
      target.restore_cursor(cursor);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  };
  PackedDataset bigger = PackedDataset::open_shards({dir.file("a.tok"), dir.file("b.tok")}, options);
  EXPECT_NE(error_of(bigger, saved).find("resume with the same token shards"), std::string::npos);
  PackedDatasetOptions reseeded = options;
  reseeded.seed = 1;
  PackedDataset other_seed = PackedDataset::open_shards({dir.file("a.tok")}, reseeded);
  EXPECT_NE(error_of(other_seed, saved).find("same data seed"), std::string::npos);
  PackedDataset same = PackedDataset::open_shards({dir.file("a.tok")}, options);
  nlohmann::json outside = saved;
  outside["offset"] = 1000;
  EXPECT_NE(error_of(same, outside).find("points outside the dataset"), std::string::npos);
  nlohmann::json broken = saved;
  broken.erase("epoch");
  EXPECT_NE(error_of(same, broken).find("malformed"), std::string::npos);
  EXPECT_EQ(error_of(same, saved), "");
}

TEST(PackedDataset, OpenChecksItsInputs) {
  TempDir dir;
  write_shard(dir.file("a.tok"), 1000, {{1, 2}});
  write_shard(dir.file("b.tok"), 2000, {{1, 2}});
  PackedDatasetOptions options;
  options.sequence_length = 4;
  options.eos_id = 0;
  EXPECT_THROW(PackedDataset::open_shards({dir.file("a.tok"), dir.file("b.tok")}, options), Error);  // two vocabularies
  options.eos_id = 1000;
  EXPECT_THROW(PackedDataset::open_shards({dir.file("a.tok")}, options), Error);  // EOS outside the vocabulary
  options.eos_id = 0;
  EXPECT_THROW(PackedDataset::open_directory(dir.path(), options), Error);  // no dataset.json
  options.sequence_length = 0;
  EXPECT_THROW(PackedDataset::open_shards({dir.file("a.tok")}, options), Error);
}

}  // namespace
}  // namespace hone
