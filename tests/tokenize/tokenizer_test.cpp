// The SentencePiece tokenizer: training (unigram and BPE), encode/decode round trips, T5 conventions
// and sentinels, byte fallback, user symbols, and the errors for bad input.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "data/corpus_files.h"
#include "tokenize/tokenizer.h"
#include "tokenize/tokenizer_training.h"

namespace hone {
namespace {

using testing::TempDir;

const char* kLicense = "/usr/share/common-licenses/GPL-3";

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// Sentences from the GPL that the round-trip tests use (single spaces, as nmt_nfkc normalises).
const std::vector<std::string> kSentences = {
    "The GNU General Public License is a free, copyleft license for software and other kinds of works.",
    "You may convey verbatim copies of the Program's source code as you receive it.",
    "Everyone is permitted to copy and distribute verbatim copies of this license document.",
    "zebra quixotic jukebox",  // words the license does not contain, built from its characters
};

class TrainedTokenizers : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    TokenizerTrainingOptions unigram;
    unigram.inputs = {kLicense};
    unigram.vocab_size = 600;
    unigram.model_type = "unigram";
    unigram.threads = 2;
    unigram.out_dir = dir_->file("unigram");
    train_tokenizer(unigram);

    TokenizerTrainingOptions t5 = unigram;
    t5.model_type = "bpe";
    t5.vocab_size = 900;  // 800 pieces (256 of them bytes) + 100 sentinels
    t5.byte_fallback = true;
    t5.t5_conventions = true;
    t5.user_symbols = {"<sep>", "@@"};
    t5.out_dir = dir_->file("t5");
    train_tokenizer(t5);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static TempDir* dir_;
};
TempDir* TrainedTokenizers::dir_ = nullptr;

TEST_F(TrainedTokenizers, DefaultConventionsAndRoundTrip) {
  Tokenizer tokenizer = Tokenizer::load(dir_->file("unigram"));
  EXPECT_EQ(tokenizer.vocab_size(), 600);
  EXPECT_EQ(tokenizer.piece_count(), 600);
  EXPECT_EQ(tokenizer.unk_id(), 0);
  EXPECT_EQ(tokenizer.bos_id(), 1);
  EXPECT_EQ(tokenizer.eos_id(), 2);
  EXPECT_EQ(tokenizer.pad_id(), -1);
  EXPECT_EQ(tokenizer.sentinel_count(), 0);
  EXPECT_THROW(tokenizer.sentinel_id(0), Error);
  for (const auto& sentence : kSentences) {
    std::vector<int32_t> ids = tokenizer.encode(sentence);
    ASSERT_FALSE(ids.empty());
    if (sentence != kSentences.back()) {
      EXPECT_LT(2 * ids.size(), sentence.size()) << "a trained tokenizer merges characters: " << sentence;
    }
    for (int32_t id : ids) {
      EXPECT_GT(id, 2) << "no special ids inside text";
      EXPECT_LT(id, 600);
    }
    EXPECT_EQ(tokenizer.decode(ids), sentence);
  }
  // Frequent words of the training text became single pieces.
  EXPECT_GE(tokenizer.piece_to_id("\xE2\x96\x81License"), 3);
  EXPECT_EQ(tokenizer.encode("License").size(), 1u);
  EXPECT_EQ(tokenizer.piece_to_id("no-such-piece"), -1);
  // Characters the license never uses have no piece and no byte fallback: they become unk.
  std::vector<int32_t> unseen = tokenizer.encode("\xE6\xBC\xA2\xE5\xAD\x97");
  EXPECT_NE(std::find(unseen.begin(), unseen.end(), tokenizer.unk_id()), unseen.end());
}

TEST_F(TrainedTokenizers, T5ConventionsPutSentinelsAtTheTop) {
  Tokenizer tokenizer = Tokenizer::load(dir_->file("t5"));
  EXPECT_EQ(tokenizer.vocab_size(), 900);
  EXPECT_EQ(tokenizer.piece_count(), 800);
  EXPECT_EQ(tokenizer.pad_id(), 0);
  EXPECT_EQ(tokenizer.eos_id(), 1);
  EXPECT_EQ(tokenizer.unk_id(), 2);
  EXPECT_EQ(tokenizer.bos_id(), -1);
  EXPECT_EQ(tokenizer.sentinel_count(), 100);
  EXPECT_EQ(tokenizer.sentinel_id(0), 899);
  EXPECT_EQ(tokenizer.sentinel_id(1), 898);
  EXPECT_EQ(tokenizer.sentinel_id(99), 800);
  EXPECT_THROW(tokenizer.sentinel_id(100), Error);
  EXPECT_EQ(tokenizer.id_to_piece(899), "<extra_id_0>");
  EXPECT_EQ(tokenizer.id_to_piece(800), "<extra_id_99>");
  EXPECT_EQ(tokenizer.piece_to_id("<extra_id_7>"), 892);
  EXPECT_EQ(tokenizer.id_to_piece(0), "<pad>");
  EXPECT_EQ(tokenizer.id_to_piece(1), "</s>");
  EXPECT_EQ(tokenizer.id_to_piece(2), "<unk>");

  // Sentinels in text are split out as their ids, as T5's tokenizer does.
  std::vector<int32_t> ids = tokenizer.encode("The Program<extra_id_0> free software <extra_id_12>.");
  ASSERT_GE(ids.size(), 4u);
  auto at = std::find(ids.begin(), ids.end(), 899);
  ASSERT_NE(at, ids.end());
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 887), 1);  // <extra_id_12>
  EXPECT_EQ(tokenizer.encode("The Program"), std::vector<int32_t>(ids.begin(), at));
  // Each segment between sentinels is encoded on its own and so starts a word (T5's tokenizer does the
  // same): the space before a sentinel is dropped and one appears after it.
  EXPECT_EQ(tokenizer.decode(ids), "The Program<extra_id_0> free software<extra_id_12> .");
  EXPECT_EQ(tokenizer.decode(std::vector<int32_t>{899, tokenizer.encode("free")[0]}), "<extra_id_0> free");
  // Not sentinels: out of range, a leading zero, or unterminated.
  for (const char* text : {"<extra_id_100>", "<extra_id_01>", "<extra_id_3"}) {
    std::vector<int32_t> plain = tokenizer.encode(text);
    for (int32_t id : plain) EXPECT_LT(id, 800) << text;
    EXPECT_EQ(tokenizer.decode(plain), text);
  }
  EXPECT_THROW(tokenizer.decode(std::vector<int32_t>{900}), Error);
  EXPECT_THROW(tokenizer.decode(std::vector<int32_t>{-1}), Error);
}

TEST_F(TrainedTokenizers, ByteFallbackCoversUnseenCharacters) {
  Tokenizer tokenizer = Tokenizer::load(dir_->file("t5"));
  const std::string text = "GNU \xE6\xBC\xA2\xE5\xAD\x97 \xE2\x9C\x93 software";  // CJK and a check mark
  std::vector<int32_t> ids = tokenizer.encode(text);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), tokenizer.unk_id()), 0);
  int byte_pieces = 0;
  for (int32_t id : ids) byte_pieces += tokenizer.is_byte_piece(id);
  EXPECT_EQ(byte_pieces, 9);  // three 3-byte characters
  EXPECT_EQ(tokenizer.decode(ids), text);
  for (const auto& sentence : kSentences) EXPECT_EQ(tokenizer.decode(tokenizer.encode(sentence)), sentence);
}

TEST_F(TrainedTokenizers, UserSymbolsStayWhole) {
  Tokenizer tokenizer = Tokenizer::load(dir_->file("t5"));
  const int32_t sep = tokenizer.piece_to_id("<sep>");
  const int32_t at = tokenizer.piece_to_id("@@");
  ASSERT_GE(sep, 3);
  ASSERT_GE(at, 3);
  std::vector<int32_t> ids = tokenizer.encode("question<sep>answer@@x");
  EXPECT_EQ(std::count(ids.begin(), ids.end(), sep), 1);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), at), 1);
  EXPECT_EQ(tokenizer.decode(ids), "question<sep>answer@@x");
}

TEST_F(TrainedTokenizers, DirectoryHoldsModelAndConventions) {
  auto config = nlohmann::json::parse(testing::read_file(dir_->file("t5") + "/tokenizer.json"));
  EXPECT_EQ(config["vocab_size"], 900);
  EXPECT_EQ(config["piece_count"], 800);
  EXPECT_EQ(config["sentinel_count"], 100);
  EXPECT_EQ(config["pad_id"], 0);
  EXPECT_EQ(config["eos_id"], 1);
  EXPECT_EQ(config["unk_id"], 2);
  EXPECT_EQ(config["bos_id"], -1);
  EXPECT_EQ(config["model_type"], "bpe");
  EXPECT_EQ(config["user_symbols"], (std::vector<std::string>{"<sep>", "@@"}));
  // A config that disagrees with the model is refused.
  TempDir mixed;
  std::filesystem::copy(dir_->file("t5") + "/tokenizer.model", mixed.file("tokenizer.model"));
  config["vocab_size"] = 901;
  testing::write_file(mixed.file("tokenizer.json"), config.dump());
  EXPECT_NE(error_of([&] { Tokenizer::load(mixed.path()); }).find("mixes files"), std::string::npos);
  EXPECT_NE(error_of([&] { Tokenizer::load(dir_->file("missing")); }).find("hone tokenizer train"), std::string::npos);
}

TEST(TokenizerTraining, TrainsFromCompressedJsonl) {
  TempDir dir;
  std::string jsonl;
  for (const auto& sentence : testing::generated_sentences(400)) jsonl += nlohmann::json{{"text", sentence}}.dump() + "\n";
  testing::write_zstd(dir.file("corpus.jsonl.zst"), jsonl);
  TokenizerTrainingOptions options;
  options.inputs = {dir.file("corpus.jsonl.zst")};
  options.vocab_size = 50;  // the corpus has 28 words, so SentencePiece finds at most ~55 pieces
  options.out_dir = dir.file("tok");
  options.threads = 2;
  TokenizerTrainingResult result = train_tokenizer(options);
  EXPECT_EQ(result.documents, 400);
  EXPECT_EQ(result.sentences, 400);
  Tokenizer tokenizer = Tokenizer::load(dir.file("tok"));
  EXPECT_EQ(tokenizer.vocab_size(), 50);
  const std::string text = "the student writes long letters to her friends.";
  EXPECT_EQ(tokenizer.decode(tokenizer.encode(text)), text);
  EXPECT_LT(2 * tokenizer.encode(text).size(), text.size());
}

TEST(TokenizerTraining, BadInputsGiveClearErrors) {
  TempDir dir;
  TokenizerTrainingOptions options;
  options.out_dir = dir.file("tok");
  options.vocab_size = 300;

  options.inputs = {dir.file("missing.txt")};
  std::string message = error_of([&] { train_tokenizer(options); });
  EXPECT_NE(message.find("'" + dir.file("missing.txt") + "' does not exist"), std::string::npos) << message;

  std::string text;
  for (const auto& sentence : testing::generated_sentences(100)) text += sentence + "\n";
  testing::write_file(dir.file("bad.txt"), text + "ok\nbroken \xC3\x28 here\n");
  options.inputs = {dir.file("bad.txt")};
  message = error_of([&] { train_tokenizer(options); });
  EXPECT_NE(message.find("invalid UTF-8 in '" + dir.file("bad.txt") + "' line 102"), std::string::npos) << message;

  options.inputs = {kLicense};
  options.byte_fallback = true;
  options.t5_conventions = true;
  options.vocab_size = 350;  // 256 bytes + 100 sentinels do not fit
  message = error_of([&] { train_tokenizer(options); });
  EXPECT_NE(message.find("vocabulary size 350 is too small"), std::string::npos) << message;

  options.byte_fallback = false;
  options.t5_conventions = false;
  options.vocab_size = 100000;  // far more pieces than the license has
  message = error_of([&] { train_tokenizer(options); });
  EXPECT_NE(message.find("SentencePiece training failed"), std::string::npos) << message;
  EXPECT_FALSE(std::filesystem::exists(dir.file("tok"))) << "nothing is written when training fails";

  options.vocab_size = 300;
  options.model_type = "wordpiece";
  message = error_of([&] { train_tokenizer(options); });
  EXPECT_NE(message.find("unknown model type"), std::string::npos) << message;
}

}  // namespace
}  // namespace hone
