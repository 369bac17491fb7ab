// `hone tokenize`: corpus files to shards, identical for any thread count, documents exactly the
// tokenizer's encodings, shard splitting, the manifest, and the CLI report.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "data/corpus_files.h"
#include "data/packed_dataset.h"
#include "data/token_shard_reader.h"
#include "data/tokenize_corpus.h"
#include "support/run_command.h"
#include "tokenize/tokenizer.h"
#include "tokenize/tokenizer_training.h"

namespace hone {
namespace {

using testing::TempDir;

class TokenizeCorpus : public ::testing::Test {
 protected:
  void SetUp() override {
    TokenizerTrainingOptions options;
    options.inputs = {"/usr/share/common-licenses/GPL-3"};
    options.vocab_size = 400;
    options.t5_conventions = true;
    options.threads = 2;
    options.out_dir = dir.file("tok");
    train_tokenizer(options);
    // Two inputs of different kinds: JSONL (gzip) and paragraph text (zstd).
    std::string jsonl, text;
    const auto sentences = testing::generated_sentences(600, 3);
    for (size_t i = 0; i < 300; ++i) {
      documents.push_back(sentences[i] + " " + sentences[i + 1]);
      jsonl += nlohmann::json{{"text", documents.back()}}.dump() + "\n";
    }
    for (size_t i = 300; i < 600; i += 2) {
      documents.push_back(sentences[i] + "\n" + sentences[i + 1]);
      text += documents.back() + "\n\n";
    }
    testing::write_gzip(dir.file("a.jsonl.gz"), jsonl);
    testing::write_zstd(dir.file("b.txt.zst"), text);
  }

  TokenizeCorpusOptions options_for(const std::string& out, int threads) {
    TokenizeCorpusOptions options;
    options.tokenizer_dir = dir.file("tok");
    options.inputs = {dir.file("a.jsonl.gz"), dir.file("b.txt.zst")};
    options.out_dir = dir.file(out);
    options.threads = threads;
    options.batch_documents = 64;
    options.shard_tokens = 2000;
    return options;
  }

  TempDir dir;
  std::vector<std::string> documents;
};

TEST_F(TokenizeCorpus, ShardsHoldEveryDocumentInOrderForAnyThreadCount) {
  TokenizeCorpusResult one = tokenize_corpus(options_for("one", 1));
  TokenizeCorpusResult two = tokenize_corpus(options_for("two", 2));
  EXPECT_EQ(one.documents, static_cast<int64_t>(documents.size()));
  EXPECT_GT(one.shards.size(), 2u) << "shard_tokens 2000 splits the corpus";
  ASSERT_EQ(one.shards, two.shards);
  for (const auto& shard : one.shards)
    EXPECT_EQ(testing::read_file(dir.file("one/" + shard)), testing::read_file(dir.file("two/" + shard))) << shard;

  const Tokenizer tokenizer = Tokenizer::load(dir.file("tok"));
  size_t next_document = 0;
  int64_t tokens = 0;
  for (const auto& name : one.shards) {
    TokenShard shard = TokenShard::open(dir.file("one/" + name));
    EXPECT_EQ(shard.vocab_size(), 400);
    EXPECT_EQ(shard.token_bytes(), 2);
    EXPECT_LT(shard.token_count() - shard.document_length(shard.document_count() - 1), 2000) << "closes past the limit";
    for (int64_t d = 0; d < shard.document_count(); ++d, ++next_document) {
      std::vector<int32_t> ids(shard.document_length(d));
      shard.copy_tokens(shard.document_begin(d), shard.document_end(d), ids.data());
      ASSERT_EQ(ids, tokenizer.encode(documents[next_document])) << "document " << next_document;
    }
    tokens += shard.token_count();
  }
  EXPECT_EQ(next_document, documents.size());
  EXPECT_EQ(tokens, one.tokens);

  auto manifest = nlohmann::json::parse(testing::read_file(dir.file("one/dataset.json")));
  EXPECT_EQ(manifest["documents"], one.documents);
  EXPECT_EQ(manifest["tokens"], one.tokens);
  EXPECT_EQ(manifest["eos_id"], 1);
  EXPECT_EQ(manifest["vocab_size"], 400);
  EXPECT_EQ(manifest["shards"].size(), one.shards.size());

  // The directory opens as a dataset that takes its EOS id from the manifest.
  PackedDatasetOptions dataset_options;
  dataset_options.sequence_length = 32;
  dataset_options.verify_tokens = true;
  PackedDataset dataset = PackedDataset::open_directory(dir.file("one"), dataset_options);
  EXPECT_EQ(dataset.eos_id(), 1);
  EXPECT_EQ(dataset.document_count(), one.documents);
  EXPECT_EQ(dataset.token_count(), one.tokens);
}

TEST_F(TokenizeCorpus, RefusesToMixWithAnEarlierRunUnlessOverwriting) {
  TokenizeCorpusOptions options = options_for("out", 2);
  TokenizeCorpusResult first = tokenize_corpus(options);
  try {
    tokenize_corpus(options);
    ADD_FAILURE() << "a second run into the same directory must be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--overwrite"), std::string::npos) << e.what();
  }
  // Overwrite with fewer shards: the stale ones are removed.
  options.overwrite = true;
  options.shard_tokens = int64_t{1} << 30;
  TokenizeCorpusResult second = tokenize_corpus(options);
  EXPECT_EQ(second.shards.size(), 1u);
  EXPECT_EQ(second.tokens, first.tokens);
  int shard_files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.file("out")))
    shard_files += entry.path().extension() == ".tok";
  EXPECT_EQ(shard_files, 1);
}

TEST_F(TokenizeCorpus, BadInputFailsWithoutAManifest) {
  testing::write_file(dir.file("bad.jsonl"), "{\"text\": \"fine\"}\n{\"text\": \"broken\n");
  TokenizeCorpusOptions options = options_for("bad", 2);
  options.inputs = {dir.file("a.jsonl.gz"), dir.file("bad.jsonl")};
  try {
    tokenize_corpus(options);
    ADD_FAILURE() << "malformed JSONL must fail";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.jsonl' line 2"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("bad/dataset.json")));
}

TEST_F(TokenizeCorpus, CliReportsDocumentsTokensAndRate) {
  auto r = testing::run_command(testing::hone_binary() + " tokenize --tokenizer " + dir.file("tok") + " --input " +
                                dir.file("a.jsonl.gz") + " " + dir.file("b.txt.zst") + " --out " + dir.file("cli") +
                                " --threads 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("tokenized " + std::to_string(documents.size()) + " documents"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("tokens/s"), std::string::npos) << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir.file("cli/shard-00000.tok")));
  auto again = testing::run_command(testing::hone_binary() + " tokenize --tokenizer " + dir.file("tok") + " --input " +
                                    dir.file("a.jsonl.gz") + " --out " + dir.file("cli"));
  EXPECT_EQ(again.exit_code, 1) << again.output;
  EXPECT_NE(again.output.find("hone: error: "), std::string::npos) << again.output;
}

}  // namespace
}  // namespace hone
