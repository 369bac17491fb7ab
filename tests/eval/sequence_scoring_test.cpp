// Continuation scoring against log-softmax of the model's own logits on one unpadded row at a time:
// batching, right padding and the family-specific layouts must not change a score.
#include <gtest/gtest.h>

#include <cmath>

#include "core/arena.h"
#include "backend/elementwise.h"
#include "core/error.h"
#include "eval/sequence_scoring.h"
#include "support/tensor_testing.h"

namespace hone::eval {
namespace {

ModelConfig tiny(ModelStyle style) {
  ModelConfig c = style_defaults(style);
  c.vocab_size = 29;
  c.d_model = 16;
  c.n_heads = 2;
  c.n_kv_heads = 2;
  c.d_kv = 8;
  c.d_ff = 24;
  c.max_positions = 32;
  if (style == ModelStyle::T5) {
    c.n_encoder_layers = c.n_decoder_layers = 2;
    c.relative_attention_num_buckets = 8;
    c.relative_attention_max_distance = 16;
    c.decoder_start_token_id = 0;
  } else {
    c.n_decoder_layers = 2;
  }
  return c;
}

std::vector<int32_t> ids(std::initializer_list<int32_t> list) { return list; }

// Sum of log-softmax over one request, computed from an unpadded single-row forward pass.
double reference_log_prob(const LanguageModel& model, const ScoringRequest& r) {
  Arena arena;
  const int64_t vocab = model.config().vocab_size;
  Tensor logits;
  int64_t offset = 0;
  if (model.is_encoder_decoder()) {
    Tensor encoder = Tensor::empty({1, static_cast<int64_t>(r.prompt.size())}, DType::I32);
    std::copy(r.prompt.begin(), r.prompt.end(), encoder.data<int32_t>());
    Tensor decoder = Tensor::empty({1, static_cast<int64_t>(r.continuation.size())}, DType::I32);
    decoder.data<int32_t>()[0] = 0;
    std::copy(r.continuation.begin(), r.continuation.end() - 1, decoder.data<int32_t>() + 1);
    logits = model.encoder_decoder().logits(arena, encoder, decoder);
  } else {
    std::vector<int32_t> row = r.prompt;
    row.insert(row.end(), r.continuation.begin(), r.continuation.end() - 1);
    DecoderOnlyBatch batch;
    batch.tokens = Tensor::empty({1, static_cast<int64_t>(row.size())}, DType::I32);
    std::copy(row.begin(), row.end(), batch.tokens.data<int32_t>());
    if (model.config().prefix_lm) {
      batch.prefix = Tensor::zeros({1, static_cast<int64_t>(row.size())}, DType::I32);
      std::fill_n(batch.prefix.data<int32_t>(), r.prompt.size(), 1);
    }
    logits = model.decoder_only().logits(arena, batch);
    offset = static_cast<int64_t>(r.prompt.size()) - 1;
  }
  double total = 0;
  for (size_t t = 0; t < r.continuation.size(); ++t) {
    const float* row = logits.data<float>() + (offset + static_cast<int64_t>(t)) * vocab;
    double sum = 0;
    for (int64_t v = 0; v < vocab; ++v) sum += std::exp(static_cast<double>(row[v]));
    total += row[r.continuation[t]] - std::log(sum);
  }
  return total;
}

class SequenceScoring : public ::testing::TestWithParam<ModelStyle> {};

TEST_P(SequenceScoring, BatchedPaddedScoresEqualSingleRowLogSoftmax) {
  LanguageModel model(tiny(GetParam()));
  model.initialize(3);
  const std::vector<ScoringRequest> requests = {
      {ids({5, 6, 7, 8, 9, 10}), ids({11, 12})},
      {ids({3}), ids({4, 5, 6, 7, 8})},
      {ids({20, 21, 22}), ids({23})},
      {ids({9, 9, 9, 9}), ids({1, 2, 3})},
      {ids({15, 16}), ids({17, 18, 19, 20})},
  };
  for (int64_t batch : {1, 2, 5}) {
    const std::vector<ContinuationScore> scores = score_continuations(model, requests, {batch});
    ASSERT_EQ(scores.size(), requests.size());
    for (size_t i = 0; i < requests.size(); ++i) {
      EXPECT_NEAR(scores[i].log_prob, reference_log_prob(model, requests[i]), 2e-5) << "request " << i << " batch " << batch;
      EXPECT_EQ(scores[i].tokens, static_cast<int64_t>(requests[i].continuation.size()));
      EXPECT_LT(scores[i].log_prob, 0.0);
    }
  }
}

TEST_P(SequenceScoring, GreedyFlagMarksTheArgmaxContinuation) {
  LanguageModel model(tiny(GetParam()));
  model.initialize(4);
  // Build the greedy continuation token by token with the scorer itself over every candidate.
  ScoringRequest greedy{ids({5, 6, 7}), {}};
  for (int step = 0; step < 3; ++step) {
    std::vector<ScoringRequest> candidates;
    for (int32_t v = 0; v < model.config().vocab_size; ++v) {
      ScoringRequest c = greedy;
      c.continuation.push_back(v);
      candidates.push_back(c);
    }
    const auto scores = score_continuations(model, candidates, {8});
    int32_t best = 0;
    for (int32_t v = 1; v < model.config().vocab_size; ++v)
      if (scores[v].log_prob > scores[best].log_prob) best = v;
    greedy.continuation.push_back(best);
  }
  EXPECT_TRUE(score_continuations(model, {greedy})[0].greedy);
  ScoringRequest other = greedy;
  other.continuation.back() = (other.continuation.back() + 1) % static_cast<int32_t>(model.config().vocab_size);
  EXPECT_FALSE(score_continuations(model, {other})[0].greedy);
}

INSTANTIATE_TEST_SUITE_P(Families, SequenceScoring, ::testing::Values(ModelStyle::Llama, ModelStyle::GPT2, ModelStyle::T5),
                         [](const auto& info) { return to_string(info.param); });

TEST(SequenceScoringPrefixLm, ThePromptIsReadBidirectionally) {
  ModelConfig config = tiny(ModelStyle::Llama);
  config.prefix_lm = true;
  LanguageModel prefix_model(config);
  prefix_model.initialize(8);
  config.prefix_lm = false;
  LanguageModel causal_model(config);
  copy(prefix_model.params().values(), causal_model.params().values());
  const std::vector<ScoringRequest> requests = {{ids({5, 6, 7, 8}), ids({9, 10})}, {ids({3, 2}), ids({4, 5, 6})}};
  const auto prefix_scores = score_continuations(prefix_model, requests, {2});
  const auto causal_scores = score_continuations(causal_model, requests, {2});
  for (size_t i = 0; i < requests.size(); ++i) {
    EXPECT_NEAR(prefix_scores[i].log_prob, reference_log_prob(prefix_model, requests[i]), 2e-5);
    EXPECT_GT(std::abs(prefix_scores[i].log_prob - causal_scores[i].log_prob), 1e-4);
  }
  EXPECT_EQ(model_prompt(prefix_model, ids({5, 6})), ids({0, 5, 6}));
  EXPECT_EQ(model_prompt(causal_model, ids({5, 6})), ids({5, 6}));
}

TEST(SequenceScoringErrors, BadRequestsAreNamed) {
  LanguageModel model(tiny(ModelStyle::GPT2));
  model.initialize(1);
  EXPECT_THROW(score_continuations(model, {{ids({1}), {}}}), Error);
  EXPECT_THROW(score_continuations(model, {{{}, ids({1})}}), Error);
  try {
    score_continuations(model, {{ids({1}), ids({2})}, {ids({1}), ids({99})}});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("request 1: token id 99"), std::string::npos) << e.what();
  }
  std::vector<int32_t> long_prompt(40, 3);
  EXPECT_THROW(score_continuations(model, {{long_prompt, ids({2})}}), Error);
}

}  // namespace
}  // namespace hone::eval
