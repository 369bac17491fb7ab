// Mode tokens from a tokenizer directory (text, reserved, none), and a denoising source on a dataset
// that `hone tokenize` wrote: the tokenizer it names must have the sentinels the objective uses.
#include <gtest/gtest.h>

#include <functional>

#include "core/error.h"
#include "data/corpus_files.h"
#include "data/tokenize_corpus.h"
#include "objectives/tokenizer_mode_tokens.h"
#include "tokenize/tokenizer.h"
#include "tokenize/tokenizer_training.h"
#include "train/denoising_batch_source.h"

namespace hone {
namespace {

using testing::TempDir;

const char* kLicense = "/usr/share/common-licenses/GPL-3";  // has no '[' or ']'

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

class TokenizerModeTokens : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    TokenizerTrainingOptions plain;  // no sentinels, no byte fallback, no user symbols
    plain.inputs = {kLicense};
    plain.vocab_size = 600;
    plain.threads = 2;
    plain.out_dir = dir_->file("plain");
    train_tokenizer(plain);

    TokenizerTrainingOptions ul2 = plain;
    ul2.vocab_size = 700;  // 600 pieces + 100 sentinels
    ul2.t5_conventions = true;
    ul2.user_symbols = {"[NLU]", "[NLG]", "[S2S]"};
    ul2.out_dir = dir_->file("ul2");
    train_tokenizer(ul2);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string plain_dir() { return dir_->file("plain"); }
  static std::string ul2_dir() { return dir_->file("ul2"); }
  static TempDir* dir_;
};
TempDir* TokenizerModeTokens::dir_ = nullptr;

TEST_F(TokenizerModeTokens, ReservedIdsAreTheUserSymbols) {
  const Tokenizer tokenizer = Tokenizer::load(ul2_dir());
  const objectives::ModeTokens tokens = objectives::mode_tokens_for("reserved", ul2_dir());
  ASSERT_EQ(tokens.nlu.size(), 1u);
  ASSERT_EQ(tokens.nlg.size(), 1u);
  ASSERT_EQ(tokens.s2s.size(), 1u);
  EXPECT_EQ(tokenizer.id_to_piece(tokens.nlu[0]), "[NLU]");
  EXPECT_EQ(tokenizer.id_to_piece(tokens.nlg[0]), "[NLG]");
  EXPECT_EQ(tokenizer.id_to_piece(tokens.s2s[0]), "[S2S]");
  EXPECT_LT(tokens.nlu[0], tokenizer.vocab_size() - tokenizer.sentinel_count());  // not a sentinel
}

TEST_F(TokenizerModeTokens, TextIsWhatTheTokenizerEncodes) {
  const Tokenizer tokenizer = Tokenizer::load(ul2_dir());
  const objectives::ModeTokens tokens = objectives::mode_tokens_for("text", ul2_dir());
  EXPECT_EQ(tokens.nlu, tokenizer.encode("[NLU]"));
  EXPECT_EQ(tokens.nlg, tokenizer.encode("[NLG]"));
  EXPECT_EQ(tokens.s2s, tokenizer.encode("[S2S]"));
  EXPECT_NE(tokens.nlu, tokens.nlg);
}

TEST_F(TokenizerModeTokens, MissingSymbolsAreNamed) {
  const std::string reserved = error_of([] { objectives::mode_tokens_for("reserved", plain_dir()); });
  EXPECT_NE(reserved.find("[NLU], [NLG], [S2S]"), std::string::npos) << reserved;
  EXPECT_NE(reserved.find("--user-symbols"), std::string::npos) << reserved;
  // '[' never occurs in the training text, so the text form holds unknown pieces.
  const std::string text = error_of([] { objectives::mode_tokens_for("text", plain_dir()); });
  EXPECT_NE(text.find("unknown pieces"), std::string::npos) << text;
  const objectives::ModeTokens none = objectives::mode_tokens_for("none", plain_dir());
  EXPECT_TRUE(none.nlu.empty() && none.nlg.empty() && none.s2s.empty());
  EXPECT_NE(error_of([] { objectives::mode_tokens_for("special", ul2_dir()); }).find("unknown mode-token style"),
            std::string::npos);
}

DenoisingSourceOptions options_for(const std::string& dataset, const Tokenizer& tokenizer, const std::string& mixture) {
  DenoisingSourceOptions options;
  options.dataset_dir = dataset;
  options.mixture = objectives::mixture_preset(mixture);
  options.objective.inputs_length = 128;
  options.objective.targets_length = 128;
  options.objective.eos_id = tokenizer.eos_id();
  options.objective.sentinels.vocab_size = tokenizer.vocab_size();
  options.objective.sentinels.num_sentinels = 100;
  return options;
}

TEST_F(TokenizerModeTokens, SourceOnATokenizedCorpusUsesTheTokenizersIds) {
  TempDir data;
  TokenizeCorpusOptions tokenize;
  tokenize.tokenizer_dir = ul2_dir();
  tokenize.inputs = {kLicense};
  tokenize.out_dir = data.file("tokens");
  tokenize.threads = 2;
  tokenize_corpus(tokenize);
  const Tokenizer tokenizer = Tokenizer::load(ul2_dir());
  DenoisingSourceOptions options = options_for(data.file("tokens"), tokenizer, "ul2r");
  options.objective.mode_tokens = objectives::mode_tokens_for("reserved", ul2_dir());
  DenoisingBatchSource source(options);
  const TrainingBatch batch = source.next(4);
  ASSERT_TRUE(batch.encoder_decoder.has_value());
  // Every example starts with one of the reserved mode ids; sentinels decode as <extra_id_k>.
  const Tensor& inputs = batch.encoder_decoder->encoder_input_tokens;
  const Tensor& segments = batch.encoder_decoder->encoder_segment_ids;
  int examples = 0;
  for (int64_t i = 0; i < inputs.numel(); ++i) {
    const int32_t segment = segments.data<int32_t>()[i];
    if (segment == 0 || (i % inputs.size(1) != 0 && segments.data<int32_t>()[i - 1] == segment)) continue;
    const std::string piece = tokenizer.id_to_piece(inputs.data<int32_t>()[i]);
    EXPECT_TRUE(piece == "[NLU]" || piece == "[NLG]" || piece == "[S2S]") << piece;
    ++examples;
  }
  EXPECT_GE(examples, 4);
}

TEST_F(TokenizerModeTokens, TokenizerWithoutSentinelsIsRefused) {
  TempDir data;
  TokenizeCorpusOptions tokenize;
  tokenize.tokenizer_dir = plain_dir();
  tokenize.inputs = {kLicense};
  tokenize.out_dir = data.file("tokens");
  tokenize.threads = 2;
  tokenize_corpus(tokenize);
  const Tokenizer tokenizer = Tokenizer::load(plain_dir());
  ASSERT_EQ(tokenizer.sentinel_count(), 0);
  DenoisingSourceOptions options = options_for(data.file("tokens"), tokenizer, "t5");
  options.objective.use_mode_tokens = false;
  const std::string message = error_of([&] { DenoisingBatchSource source(options); });
  EXPECT_NE(message.find("has 0"), std::string::npos) << message;
  EXPECT_NE(message.find("--t5-conventions"), std::string::npos) << message;
  // A prefix-LM mixture needs no sentinels (and mode tokens are off).
  options.mixture = objectives::mixture_preset("ul2r");
  objectives::set_mixture_rates(options.mixture, {1.0, 0.0, 0.0});
  DenoisingBatchSource prefix_only(options);
  EXPECT_GT(prefix_only.next(2).loss_tokens, 0);
}

}  // namespace
}  // namespace hone
