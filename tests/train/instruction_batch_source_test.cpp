// Flan training batches: tokenized mixture examples packed with loss on targets only, for both families,
// with exact resume.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "core/arena.h"
#include "core/error.h"
#include "data/corpus_files.h"
#include "model/language_model.h"
#include "tokenize/tokenizer_training.h"
#include "train/instruction_batch_source.h"

namespace hone {
namespace {

using testing::TempDir;

class InstructionBatches : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    TokenizerTrainingOptions o;
    o.inputs = {"/usr/share/common-licenses/GPL-3"};
    o.vocab_size = 700;
    o.t5_conventions = true;
    o.threads = 2;
    o.out_dir = dir_->file("tok");
    train_tokenizer(o);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static InstructionSourceOptions options(bool encoder_decoder) {
    InstructionSourceOptions o;
    o.mixture.tasks = {{"navigate", 1.0}, {"modular_arithmetic", 1.0}, {"boolean_expressions", 1.0}};
    o.mixture.seed = 3;
    o.tokenizer_dir = dir_->file("tok");
    o.layout = encoder_decoder ? ExampleRowLayout{true, 256, 64, 0} : ExampleRowLayout{false, 0, 0, 256};
    return o;
  }
  static TempDir* dir_;
};
TempDir* InstructionBatches::dir_ = nullptr;

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() && std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0;
}

TEST_F(InstructionBatches, ExamplesAreTokenizedRenderingsEndingWithEos) {
  InstructionBatchSource source(options(true));
  const Tokenizer tokenizer = Tokenizer::load(dir_->file("tok"));
  for (uint64_t k : {0ull, 5ull, 99ull}) {
    const auto example = source.example(k);
    const auto rendered = source.mixture().example(k).text;
    ASSERT_GE(example.inputs.size(), 2u);
    EXPECT_EQ(example.inputs.back(), tokenizer.eos_id());
    EXPECT_EQ(example.targets.back(), tokenizer.eos_id());
    std::vector<int32_t> inputs(example.inputs.begin(), example.inputs.end() - 1);
    EXPECT_EQ(inputs, tokenizer.encode(rendered.inputs));
  }
}

TEST_F(InstructionBatches, EncoderDecoderRowsCarryLossOnTargetsOnly) {
  InstructionBatchSource source(options(true));
  const TrainingBatch batch = source.next(4);
  ASSERT_TRUE(batch.encoder_decoder.has_value());
  const EncoderDecoderBatch& b = *batch.encoder_decoder;
  EXPECT_EQ(b.encoder_input_tokens.shape(), (Shape{4, 256}));
  EXPECT_EQ(b.decoder_target_tokens.shape(), (Shape{4, 64}));
  int64_t weighted = 0, segments = 0;
  for (int64_t i = 0; i < 4 * 64; ++i) {
    const float w = b.decoder_loss_weights.data<float>()[i];
    const int32_t s = b.decoder_segment_ids.data<int32_t>()[i];
    EXPECT_EQ(w != 0, s != 0);
    weighted += w != 0;
    segments = std::max<int64_t>(segments, s);
  }
  EXPECT_EQ(weighted, batch.loss_tokens);
  EXPECT_GT(segments, 1);  // several short examples share a row
  int64_t total = 0;
  for (int64_t n : source.examples_per_task()) total += n;
  EXPECT_GT(total, 4);
}

TEST_F(InstructionBatches, DecoderOnlyPrefixLmAndCausalWithLossMask) {
  for (bool prefix : {true, false}) {
    InstructionSourceOptions o = options(false);
    o.layout.prefix_attention = prefix;
    InstructionBatchSource source(o);
    const TrainingBatch batch = source.next(3);
    ASSERT_TRUE(batch.decoder_only.has_value());
    const DecoderOnlyBatch& b = *batch.decoder_only;
    int64_t prefix_flags = 0, loss = 0;
    for (int64_t i = 0; i < b.tokens.numel(); ++i) {
      prefix_flags += b.prefix.data<int32_t>()[i] != 0;
      const bool has_loss = b.targets.data<int32_t>()[i] != -100;
      EXPECT_EQ(has_loss, b.loss_weights.data<float>()[i] != 0);
      // Inputs never carry loss: a position with a prefix flag predicts an input token or the first target.
      loss += has_loss;
    }
    EXPECT_EQ(loss, batch.loss_tokens);
    if (prefix) {
      EXPECT_GT(prefix_flags, loss);  // prompts are longer than answers
    } else {
      EXPECT_EQ(prefix_flags, 0);
    }
    // A tiny model trains on it: finite loss.
    ModelConfig c = style_defaults(ModelStyle::Llama);
    c.vocab_size = 700;
    c.d_model = 16;
    c.n_heads = 2;
    c.n_kv_heads = 1;
    c.d_kv = 8;
    c.d_ff = 32;
    c.n_decoder_layers = 1;
    c.max_positions = 256;
    c.prefix_lm = true;
    LanguageModel model(c);
    model.initialize(1);
    Arena arena;
    const double value = model.decoder_only().forward_backward(arena, b).loss;
    EXPECT_TRUE(std::isfinite(value));
    EXPECT_NEAR(value, std::log(700.0), 1.0);
  }
}

TEST_F(InstructionBatches, ResumeGivesIdenticalBatches) {
  for (bool encoder_decoder : {true, false}) {
    InstructionBatchSource straight(options(encoder_decoder));
    for (int i = 0; i < 3; ++i) straight.next(2);
    const nlohmann::json cursor = nlohmann::json::parse(straight.save_cursor().dump());
    const TrainingBatch a1 = straight.next(2), a2 = straight.next(2);
    InstructionBatchSource resumed(options(encoder_decoder));
    resumed.restore_cursor(cursor);
    const TrainingBatch b1 = resumed.next(2), b2 = resumed.next(2);
    if (encoder_decoder) {
      EXPECT_TRUE(same_bytes(a1.encoder_decoder->encoder_input_tokens, b1.encoder_decoder->encoder_input_tokens));
      EXPECT_TRUE(same_bytes(a2.encoder_decoder->decoder_target_tokens, b2.encoder_decoder->decoder_target_tokens));
      EXPECT_TRUE(same_bytes(a2.encoder_decoder->decoder_segment_ids, b2.encoder_decoder->decoder_segment_ids));
    } else {
      EXPECT_TRUE(same_bytes(a1.decoder_only->tokens, b1.decoder_only->tokens));
      EXPECT_TRUE(same_bytes(a2.decoder_only->targets, b2.decoder_only->targets));
      EXPECT_TRUE(same_bytes(a2.decoder_only->prefix, b2.decoder_only->prefix));
    }
  }
  InstructionSourceOptions other = options(true);
  other.mixture.seed = 4;
  InstructionBatchSource a(options(true)), b(other);
  try {
    b.restore_cursor(a.save_cursor());
    FAIL() << "a cursor of another mixture must be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("seed"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hone
