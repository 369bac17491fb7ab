// The infilling probe's examples are UL2's R-denoiser format with one span, and its NLL is the
// teacher-forced score of their targets.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "data/token_shard_writer.h"
#include "eval/infilling_probe.h"
#include "eval/sequence_scoring.h"
#include "tokenize/tokenizer.h"
#include "tokenize/tokenizer_training.h"

namespace hone::eval {
namespace {

namespace fs = std::filesystem;

class InfillingProbe : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new fs::path(fs::temp_directory_path() / ("hone_infill_" + std::to_string(::getpid())));
    fs::create_directories(*root_);
    TokenizerTrainingOptions o;
    o.inputs = {"/usr/share/common-licenses/GPL-3"};
    o.vocab_size = 700;
    o.t5_conventions = true;
    o.user_symbols = {"[NLU]", "[NLG]", "[S2S]"};
    o.threads = 2;
    o.out_dir = (*root_ / "tok").string();
    train_tokenizer(o);
    const Tokenizer tokenizer = Tokenizer::load(o.out_dir);
    fs::create_directories(*root_ / "data");
    TokenShardWriter writer((*root_ / "data" / "shard-0.tok").string(), tokenizer.vocab_size());
    std::ifstream text("/usr/share/common-licenses/GPL-3");
    std::string paragraph, line;
    while (std::getline(text, line)) {
      if (!line.empty()) {
        paragraph += line + " ";
        continue;
      }
      if (!paragraph.empty()) writer.add_document(tokenizer.encode(paragraph));
      paragraph.clear();
    }
    writer.finish();
    std::ofstream(*root_ / "data" / "dataset.json")
        << nlohmann::json{{"vocab_size", tokenizer.vocab_size()}, {"eos_id", tokenizer.eos_id()},
                          {"tokenizer", o.out_dir}, {"shards", {"shard-0.tok"}}}.dump();
  }
  static void TearDownTestSuite() {
    fs::remove_all(*root_);
    delete root_;
  }
  static InfillingOptions options() {
    InfillingOptions o;
    o.dataset_dir = (*root_ / "data").string();
    o.tokenizer_dir = (*root_ / "tok").string();
    o.examples = 12;
    o.context_length = 32;
    o.span_length = 3;
    return o;
  }
  static fs::path* root_;
};
fs::path* InfillingProbe::root_ = nullptr;

TEST_F(InfillingProbe, ExamplesAreOneSpanRDenoiserExamples) {
  const Tokenizer tokenizer = Tokenizer::load(options().tokenizer_dir);
  const int32_t nlu = tokenizer.piece_to_id("[NLU]");
  const int32_t s0 = tokenizer.sentinel_id(0), s1 = tokenizer.sentinel_id(1), eos = tokenizer.eos_id();
  const auto examples = infilling_examples(options());
  ASSERT_EQ(examples.size(), 12u);
  for (const InfillingExample& e : examples) {
    ASSERT_EQ(e.source.size(), 32u);
    ASSERT_GE(e.span_start, 1);
    ASSERT_LE(e.span_start + 3, 31);
    std::vector<int32_t> inputs = {nlu};
    inputs.insert(inputs.end(), e.source.begin(), e.source.begin() + e.span_start);
    inputs.push_back(s0);
    inputs.insert(inputs.end(), e.source.begin() + e.span_start + 3, e.source.end());
    inputs.push_back(eos);
    EXPECT_EQ(e.inputs, inputs);
    std::vector<int32_t> targets = {s0};
    targets.insert(targets.end(), e.source.begin() + e.span_start, e.source.begin() + e.span_start + 3);
    targets.push_back(s1);
    targets.push_back(eos);
    EXPECT_EQ(e.targets, targets);
  }
}

TEST_F(InfillingProbe, NllIsTheTeacherForcedScoreOfTheTargets) {
  for (ModelStyle style : {ModelStyle::Llama, ModelStyle::T5}) {
    ModelConfig c = style_defaults(style);
    c.vocab_size = 700;
    c.d_model = 16;
    c.n_heads = 2;
    c.n_kv_heads = 2;
    c.d_kv = 8;
    c.d_ff = 32;
    c.n_decoder_layers = 1;
    c.max_positions = 64;
    if (style == ModelStyle::T5) {
      c.n_encoder_layers = 1;
      c.relative_attention_num_buckets = 8;
      c.relative_attention_max_distance = 16;
    }
    LanguageModel model(c);
    model.initialize(2);
    const InfillingResult r = infilling_probe(model, options());
    EXPECT_EQ(r.examples, 12);
    std::vector<ScoringRequest> requests;
    for (const auto& e : infilling_examples(options())) requests.push_back({e.inputs, e.targets});
    double nll = 0;
    int64_t tokens = 0;
    for (const auto& s : score_continuations(model, requests)) {
      nll -= s.log_prob;
      tokens += s.tokens;
    }
    EXPECT_NEAR(r.target_nll, nll / tokens, 1e-9);
    // An untrained Llama (N(0, 0.02) weights) is near uniform; T5's N(0, 1) initialisation is not.
    if (style == ModelStyle::Llama) {
      EXPECT_NEAR(r.target_nll, std::log(700.0), 1.0);
    }
    EXPECT_EQ(r.span_exact_match, 0.0);
  }
}

TEST_F(InfillingProbe, BadOptions) {
  InfillingOptions o = options();
  o.context_length = 4;  // no room around a 3-token span
  EXPECT_THROW(infilling_examples(o), Error);
  o = options();
  o.context_length = 100000;  // no document is that long
  EXPECT_THROW(infilling_examples(o), Error);
}

}  // namespace
}  // namespace hone::eval
