// Token shards: round trips in both token widths, atomic writes, and a clear error for every kind of
// malformed file.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "core/error.h"
#include "data/corpus_files.h"
#include "data/token_shard_format.h"
#include "data/token_shard_reader.h"
#include "data/token_shard_writer.h"

namespace hone {
namespace {

using testing::TempDir;

std::vector<std::vector<int32_t>> sample_documents(int64_t vocab_size) {
  std::vector<std::vector<int32_t>> documents;
  for (int d = 0; d < 7; ++d) {
    std::vector<int32_t> tokens;
    for (int i = 0; i < d * 3 + (d == 2 ? -6 : 1); ++i)  // document 2 is empty
      tokens.push_back(static_cast<int32_t>((d * 7919 + i * 104729) % vocab_size));
    documents.push_back(tokens);
  }
  documents[3].push_back(static_cast<int32_t>(vocab_size - 1));  // the largest id survives the narrow type
  return documents;
}

void write_shard(const std::string& path, int64_t vocab_size, const std::vector<std::vector<int32_t>>& documents) {
  TokenShardWriter writer(path, vocab_size);
  for (const auto& document : documents) writer.add_document(document);
  writer.finish();
}

std::string open_error(const std::string& path) {
  try {
    TokenShard::open(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

class ShardRoundTrip : public ::testing::TestWithParam<int64_t> {};

TEST_P(ShardRoundTrip, ReadsBackEveryDocument) {
  const int64_t vocab_size = GetParam();
  TempDir dir;
  const auto documents = sample_documents(vocab_size);
  write_shard(dir.file("s.tok"), vocab_size, documents);
  TokenShard shard = TokenShard::open(dir.file("s.tok"));
  const int expected_width = vocab_size <= 65536 ? 2 : 4;
  EXPECT_EQ(shard.token_bytes(), expected_width);
  EXPECT_EQ(shard.vocab_size(), vocab_size);
  ASSERT_EQ(shard.document_count(), static_cast<int64_t>(documents.size()));
  int64_t total = 0;
  for (size_t d = 0; d < documents.size(); ++d) {
    ASSERT_EQ(shard.document_length(d), static_cast<int64_t>(documents[d].size())) << d;
    std::vector<int32_t> tokens(documents[d].size());
    shard.copy_tokens(shard.document_begin(d), shard.document_end(d), tokens.data());
    EXPECT_EQ(tokens, documents[d]) << "document " << d;
    for (size_t i = 0; i < tokens.size(); ++i) EXPECT_EQ(shard.token(shard.document_begin(d) + i), documents[d][i]);
    total += static_cast<int64_t>(documents[d].size());
  }
  EXPECT_EQ(shard.token_count(), total);
  EXPECT_EQ(std::filesystem::file_size(dir.file("s.tok")),
            token_shard::file_bytes(documents.size(), total, expected_width));
  shard.verify_tokens();
}

INSTANTIATE_TEST_SUITE_P(TokenWidths, ShardRoundTrip, ::testing::Values(int64_t{65536}, int64_t{1000}, int64_t{65537}, int64_t{250000}));

TEST(ShardWriter, RejectsIdsOutsideTheVocabulary) {
  TempDir dir;
  TokenShardWriter writer(dir.file("s.tok"), 100);
  std::vector<int32_t> bad = {5, 100};
  EXPECT_THROW(writer.add_document(bad), Error);
  std::vector<int32_t> negative = {-1};
  EXPECT_THROW(writer.add_document(negative), Error);
}

TEST(ShardWriter, UnfinishedWriteLeavesThePreviousFileAndNoTemporaries) {
  TempDir dir;
  const auto documents = sample_documents(500);
  write_shard(dir.file("s.tok"), 500, documents);
  const std::string before = testing::read_file(dir.file("s.tok"));
  {
    TokenShardWriter writer(dir.file("s.tok"), 500);
    writer.add_document(std::vector<int32_t>{1, 2, 3});
    // Destroyed without finish(): as if an error interrupted the job.
  }
  EXPECT_EQ(testing::read_file(dir.file("s.tok")), before);
  int entries = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    ++entries;
    EXPECT_EQ(entry.path().filename(), "s.tok");
  }
  EXPECT_EQ(entries, 1);
}

class MalformedShard : public ::testing::Test {
 protected:
  void SetUp() override {
    write_shard(dir.file("good.tok"), 1000, sample_documents(1000));
    bytes = testing::read_file(dir.file("good.tok"));
  }
  std::string error_after(const std::function<void(std::string&)>& damage) {
    std::string damaged = bytes;
    damage(damaged);
    testing::write_file(dir.file("bad.tok"), damaged);
    return open_error(dir.file("bad.tok"));
  }
  uint64_t index_position() const {
    token_shard::Header header;
    std::memcpy(&header, bytes.data(), sizeof header);
    return token_shard::index_offset(header.token_count, header.token_bytes);
  }
  TempDir dir;
  std::string bytes;
};

TEST_F(MalformedShard, WrongMagic) {
  std::string message = error_after([](std::string& b) { b[0] = 'X'; });
  EXPECT_NE(message.find("wrong magic"), std::string::npos) << message;
  message = error_after([](std::string& b) { b = std::string(200, '\0'); });
  EXPECT_NE(message.find("wrong magic"), std::string::npos) << message;
}

TEST_F(MalformedShard, UnsupportedVersion) {
  std::string message = error_after([](std::string& b) { b[8] = 2; });
  EXPECT_NE(message.find("format version 2"), std::string::npos) << message;
  EXPECT_NE(message.find("reads version 1"), std::string::npos) << message;
}

TEST_F(MalformedShard, Truncated) {
  std::string message = error_after([](std::string& b) { b.resize(b.size() - 8); });
  EXPECT_NE(message.find("truncated"), std::string::npos) << message;
  message = error_after([](std::string& b) { b.resize(40); });
  EXPECT_NE(message.find("truncated"), std::string::npos) << message;
  message = error_after([](std::string& b) { b.clear(); });
  EXPECT_NE(message.find("truncated"), std::string::npos) << message;
  // A header promising far more than the file holds (a cut-off copy of a big shard).
  message = error_after([](std::string& b) {
    uint64_t huge = uint64_t{1} << 40;
    std::memcpy(b.data() + 32, &huge, 8);
  });
  EXPECT_NE(message.find("truncated"), std::string::npos) << message;
  message = error_after([](std::string& b) { b += "trailing"; });
  EXPECT_NE(message.find("unexpected bytes"), std::string::npos) << message;
}

TEST_F(MalformedShard, IndexOutOfRange) {
  const uint64_t index = index_position();
  std::string message = error_after([&](std::string& b) {
    uint64_t beyond = 1u << 20;
    std::memcpy(b.data() + index + 8 * 3, &beyond, 8);  // document 2 ends past the token array
  });
  EXPECT_NE(message.find("document index out of range"), std::string::npos) << message;
  message = error_after([&](std::string& b) {
    uint64_t first = 1;
    std::memcpy(b.data() + index, &first, 8);
  });
  EXPECT_NE(message.find("document index out of range"), std::string::npos) << message;
  message = error_after([&](std::string& b) {
    uint64_t smaller = 0;
    std::memcpy(b.data() + b.size() - 8, &smaller, 8);  // the last offset must equal the token count
  });
  EXPECT_NE(message.find("document index out of range"), std::string::npos) << message;
}

TEST_F(MalformedShard, TokenWidthAndVocabularyChecks) {
  std::string message = error_after([](std::string& b) { b[12] = 3; });
  EXPECT_NE(message.find("token width"), std::string::npos) << message;
  message = error_after([](std::string& b) { b[12] = 4; });  // u32 for a vocabulary of 1000
  EXPECT_NE(message.find("does not match vocabulary"), std::string::npos) << message;
  // An id past the vocabulary is caught by verify_tokens.
  std::string damaged = bytes;
  uint16_t big = 1000;
  std::memcpy(damaged.data() + token_shard::kHeaderBytes, &big, 2);
  testing::write_file(dir.file("ids.tok"), damaged);
  TokenShard shard = TokenShard::open(dir.file("ids.tok"));
  try {
    shard.verify_tokens();
    ADD_FAILURE() << "verify_tokens accepted id 1000 in a vocabulary of 1000";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("token 0 has id 1000"), std::string::npos) << e.what();
  }
}

TEST(ShardReader, MissingFileIsAClearError) {
  std::string message = open_error("/nonexistent/shard.tok");
  EXPECT_NE(message.find("cannot open token shard '/nonexistent/shard.tok'"), std::string::npos) << message;
}

}  // namespace
}  // namespace hone
