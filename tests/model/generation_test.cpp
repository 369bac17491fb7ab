// Generation with a key/value cache: every cached step's logits equal the full forward's logits at that
// position (tiny Llama, GPT-2 and T5 v1.1 on random weights, prompts of different lengths in one
// batch), decode steps allocate nothing, greedy and sampled generation equal the recompute-everything
// loop, and the sampler follows softmax(logits / T) with Hugging Face's top-k / top-p semantics.
#include "model/generation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "backend/elementwise.h"
#include "core/rng.h"
#include "support/tensor_testing.h"

namespace hone {
namespace {

using testing::element;
using testing::max_relative_error;

ModelConfig tiny(ModelStyle style) {
  ModelConfig c = style_defaults(style);
  c.vocab_size = 13;
  c.d_model = 16;
  c.n_heads = 4;
  c.n_kv_heads = style == ModelStyle::Llama ? 2 : 4;  // grouped-query for llama
  c.d_kv = 4;
  c.d_ff = 24;
  c.n_decoder_layers = 2;
  c.max_positions = 16;
  if (style == ModelStyle::T5) {
    c.n_encoder_layers = 2;
    c.relative_attention_num_buckets = 8;
    c.relative_attention_max_distance = 12;
  }
  return c;
}

// Random weights with larger logits than the default initialisation, so that the next-token
// distributions are far from uniform and greedy choices are clear.
LanguageModel tiny_model(ModelStyle style, double weight_scale = 8.0) {
  LanguageModel model(tiny(style));
  model.initialize(7);
  if (style != ModelStyle::T5) scale(model.params().values(), weight_scale);
  return model;
}

std::vector<int32_t> random_prompt(size_t length, uint64_t seed, int32_t vocab) {
  std::vector<int32_t> p(length);
  // T5 reads id 0 as padding, so prompts use ids 1..vocab-1.
  for (size_t i = 0; i < length; ++i) p[i] = 1 + static_cast<int32_t>(random_u32(seed, 0, i) % static_cast<uint32_t>(vocab - 1));
  return p;
}

Tensor ints(const Shape& shape, const std::vector<int32_t>& values) {
  Tensor t = Tensor::empty(shape, DType::I32);
  std::copy(values.begin(), values.end(), t.data<int32_t>());
  return t;
}

Tensor right_padded(const std::vector<std::vector<int32_t>>& rows) {
  size_t longest = 0;
  for (const auto& r : rows) longest = std::max(longest, r.size());
  std::vector<int32_t> values(rows.size() * longest, 0);
  for (size_t i = 0; i < rows.size(); ++i) std::copy(rows[i].begin(), rows[i].end(), values.begin() + i * longest);
  return ints({static_cast<int64_t>(rows.size()), static_cast<int64_t>(longest)}, values);
}

// logits [B, T, V] at position positions[b] of each row -> [B, 1, V].
Tensor rows_at(const Tensor& logits, const std::vector<int64_t>& positions) {
  const int64_t batch = logits.size(0), vocab = logits.size(2);
  Tensor out = Tensor::empty({batch, 1, vocab}, DType::F64);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t v = 0; v < vocab; ++v)
      out.data<double>()[b * vocab + v] = element(logits, (b * logits.size(1) + positions[b]) * vocab + v);
  return out;
}

class DecoderOnlyCacheTest : public ::testing::TestWithParam<ModelStyle> {};

TEST_P(DecoderOnlyCacheTest, EveryCachedStepMatchesTheFullForward) {
  const LanguageModel language_model = tiny_model(GetParam());
  const DecoderOnlyModel& model = language_model.decoder_only();
  std::vector<std::vector<int32_t>> sequences = {random_prompt(3, 1, 13), random_prompt(6, 2, 13), random_prompt(1, 3, 13)};
  std::vector<int32_t> lengths;
  for (const auto& s : sequences) lengths.push_back(static_cast<int32_t>(s.size()));
  const int64_t steps = 5, batch = 3;
  DecoderOnlyCache cache = model.make_cache(batch, 6 + steps);
  Arena arena, reference;
  Tensor logits = model.prefill(arena, cache, right_padded(sequences), ints({batch}, lengths));
  double worst = 0.0;
  for (int64_t step = 0;; ++step) {
    std::vector<int64_t> last;
    for (const auto& s : sequences) last.push_back(static_cast<int64_t>(s.size()) - 1);
    const Tensor expected = rows_at(model.logits(reference, right_padded(sequences)), last);
    reference.reset();
    const double error = max_relative_error(logits, expected);
    EXPECT_LE(error, 1e-5) << "step " << step;
    worst = std::max(worst, error);
    if (step == steps) break;
    std::vector<int32_t> next;
    for (int64_t b = 0; b < batch; ++b) next.push_back(random_prompt(1, 100 + step * batch + b, 13)[0]);
    for (int64_t b = 0; b < batch; ++b) sequences[b].push_back(next[b]);
    const size_t capacity = arena.capacity();
    arena.reset();
    logits = model.decode_step(arena, cache, ints({batch, 1}, next));
    EXPECT_EQ(arena.fallback_allocations(), 0u) << "a decode step allocated beyond the arena (step " << step << ")";
    if (step > 0) {
      EXPECT_EQ(arena.capacity(), capacity);
    }
  }
  std::printf("[ measured ] %s cached vs full logits: max relative error %.3e\n", to_string(GetParam()).c_str(), worst);
  // The cache is full now: one more step is a clear error.
  arena.reset();
  EXPECT_THROW(model.decode_step(arena, cache, ints({batch, 1}, {1, 1, 1})), Error);
}

INSTANTIATE_TEST_SUITE_P(Styles, DecoderOnlyCacheTest, ::testing::Values(ModelStyle::Llama, ModelStyle::GPT2),
                         [](const auto& info) { return to_string(info.param); });

TEST(EncoderDecoderCache, EveryCachedStepMatchesTheFullForward) {
  const LanguageModel language_model = tiny_model(ModelStyle::T5);
  const EncoderDecoderModel& model = language_model.encoder_decoder();
  const Tensor encoder_tokens = right_padded({random_prompt(5, 1, 13), random_prompt(2, 2, 13), random_prompt(3, 3, 13)});
  const int64_t batch = 3, steps = 6;
  EncoderDecoderCache cache = model.make_cache(batch, 5, steps);
  Arena arena, reference;
  model.encode(arena, cache, encoder_tokens);
  std::vector<std::vector<int32_t>> decoder(batch, std::vector<int32_t>{0});
  double worst = 0.0;
  size_t capacity = 0;
  for (int64_t t = 0; t < steps; ++t) {
    arena.reset();
    if (t == 1) capacity = arena.capacity();
    std::vector<int32_t> current;
    for (const auto& d : decoder) current.push_back(d.back());
    const Tensor logits = model.decode_step(arena, cache, ints({batch, 1}, current));
    EXPECT_EQ(arena.fallback_allocations(), 0u) << "step " << t;
    if (t > 1) {
      EXPECT_EQ(arena.capacity(), capacity);
    }
    const Tensor expected = rows_at(model.logits(reference, encoder_tokens, right_padded(decoder)), std::vector<int64_t>(batch, t));
    reference.reset();
    const double error = max_relative_error(logits, expected);
    EXPECT_LE(error, 1e-5) << "step " << t;
    worst = std::max(worst, error);
    for (int64_t b = 0; b < batch; ++b) decoder[b].push_back(random_prompt(1, 200 + t * batch + b, 13)[0]);
  }
  std::printf("[ measured ] t5 cached vs full logits: max relative error %.3e\n", worst);
}

const std::vector<std::vector<int32_t>> kPrompts = {random_prompt(4, 11, 13), random_prompt(1, 12, 13),
                                                    random_prompt(7, 13, 13), random_prompt(2, 14, 13)};

class GenerateTest : public ::testing::TestWithParam<ModelStyle> {};

void expect_same(const std::vector<GeneratedSequence>& a, const std::vector<GeneratedSequence>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].tokens, b[i].tokens) << "prompt " << i;
    ASSERT_EQ(a[i].logprobs.size(), b[i].logprobs.size());
    for (size_t j = 0; j < a[i].logprobs.size(); ++j) EXPECT_NEAR(a[i].logprobs[j], b[i].logprobs[j], 1e-4);
    EXPECT_EQ(a[i].stopped_at_eos, b[i].stopped_at_eos);
  }
}

TEST_P(GenerateTest, GreedyEqualsTheRecomputingLoop) {
  const LanguageModel model = tiny_model(GetParam());
  GenerationOptions options;
  options.max_new_tokens = 8;
  const auto cached = generate(model, kPrompts, options);
  for (const auto& s : cached) {
    EXPECT_EQ(s.tokens.size(), 8u);
    for (float lp : s.logprobs) EXPECT_LE(lp, 0.0f);
  }
  expect_same(cached, generate_by_recomputation(model, kPrompts, options));
  // top_k = 1 is greedy at any temperature.
  options.temperature = 1.7;
  options.top_k = 1;
  expect_same(generate(model, kPrompts, options), cached);
}

// A prefix-LM model reads its prompt bidirectionally: the cached prefill must agree with the full forward
// pass over prompt + generated tokens with the prompt flagged as the input part, and differ from a
// causal reading of the same weights.
TEST(GeneratePrefixLm, CachedGenerationReadsThePromptBidirectionally) {
  ModelConfig config = tiny(ModelStyle::Llama);
  config.prefix_lm = true;
  LanguageModel prefix_model(config);
  prefix_model.initialize(21);
  scale(prefix_model.params().values(), 8.0);
  GenerationOptions options;
  options.max_new_tokens = 8;
  const auto cached = generate(prefix_model, kPrompts, options);
  expect_same(cached, generate_by_recomputation(prefix_model, kPrompts, options));

  config.prefix_lm = false;
  LanguageModel causal_model(config);
  copy(prefix_model.params().values(), causal_model.params().values());
  const auto causal = generate(causal_model, kPrompts, options);
  int differing = 0;
  for (size_t i = 0; i < cached.size(); ++i) differing += cached[i].logprobs != causal[i].logprobs;
  EXPECT_GT(differing, 0);
}

TEST_P(GenerateTest, SamplingEqualsTheRecomputingLoopAndIsDeterministic) {
  const LanguageModel model = tiny_model(GetParam());
  GenerationOptions options;
  options.max_new_tokens = 8;
  options.temperature = 0.9;
  options.top_k = 6;
  options.top_p = 0.95;
  options.seed = 42;
  const auto sampled = generate(model, kPrompts, options);
  expect_same(sampled, generate_by_recomputation(model, kPrompts, options));
  expect_same(generate(model, kPrompts, options), sampled);
  // One prompt at a time draws the same numbers (per-row streams), so gives the same tokens.
  options.batch_size = 1;
  expect_same(generate(model, kPrompts, options), sampled);
  GenerationOptions third = options;
  third.first_sample_index = 2;
  expect_same(generate(model, {kPrompts[2]}, third), {sampled[2]});
  // Another seed changes something.
  options.seed = 43;
  const auto other = generate(model, kPrompts, options);
  bool differs = false;
  for (size_t i = 0; i < other.size(); ++i) differs |= other[i].tokens != sampled[i].tokens;
  EXPECT_TRUE(differs);
}

TEST_P(GenerateTest, EosStopsItsRowOnly) {
  const LanguageModel model = tiny_model(GetParam());
  GenerationOptions options;
  options.max_new_tokens = 8;
  const auto free_running = generate(model, kPrompts, options);
  options.eos_id = free_running[0].tokens[2];  // row 0's third token
  const auto stopped = generate(model, kPrompts, options);
  bool some_row_continued = false;
  for (size_t i = 0; i < kPrompts.size(); ++i) {
    const auto& full = free_running[i].tokens;
    const auto first_eos = std::find(full.begin(), full.end(), options.eos_id);
    const std::vector<int32_t> expected(full.begin(), first_eos == full.end() ? full.end() : first_eos + 1);
    EXPECT_EQ(stopped[i].tokens, expected) << "prompt " << i;
    EXPECT_EQ(stopped[i].stopped_at_eos, first_eos != full.end());
    some_row_continued |= first_eos == full.end();
  }
  EXPECT_LE(stopped[0].tokens.size(), 3u);
  EXPECT_TRUE(stopped[0].stopped_at_eos);
  if (!some_row_continued) std::printf("note: every row produced the eos token\n");
  // Only rows that all stop end the loop early: a batch of row 0 alone stops after its eos.
  EXPECT_EQ(generate(model, {kPrompts[0]}, options)[0].tokens, stopped[0].tokens);
}

INSTANTIATE_TEST_SUITE_P(Styles, GenerateTest, ::testing::Values(ModelStyle::Llama, ModelStyle::GPT2, ModelStyle::T5),
                         [](const auto& info) { return to_string(info.param); });

// Pearson's chi-square statistic of counts against probabilities (cells with p = 0 must be empty).
double chi_square(const std::vector<int64_t>& counts, const std::vector<double>& p, int64_t draws) {
  double chi = 0.0;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == 0.0) {
      EXPECT_EQ(counts[i], 0) << "token " << i << " has probability 0 but was drawn";
      continue;
    }
    const double expected = p[i] * static_cast<double>(draws);
    chi += (static_cast<double>(counts[i]) - expected) * (static_cast<double>(counts[i]) - expected) / expected;
  }
  return chi;
}

TEST(Sampling, EmpiricalFrequenciesOfOneModelStepFollowSoftmaxOverTemperature) {
  const LanguageModel model = tiny_model(ModelStyle::Llama, 3.0);
  const std::vector<int32_t> prompt = random_prompt(3, 5, 13);
  const int64_t draws = 6000;
  const double temperature = 0.7;
  // softmax(logits / T) from the full forward, in double.
  Arena arena;
  const Tensor logits = model.decoder_only().logits(arena, ints({1, 3}, prompt));
  std::vector<double> p(13);
  double max_logit = -1e300, total = 0.0;
  for (int64_t v = 0; v < 13; ++v) max_logit = std::max(max_logit, element(logits, 2 * 13 + v));
  for (int64_t v = 0; v < 13; ++v) total += p[v] = std::exp((element(logits, 2 * 13 + v) - max_logit) / temperature);
  for (double& x : p) x /= total;
  ASSERT_LT(*std::max_element(p.begin(), p.end()), 0.6) << "the test needs a spread-out distribution";
  ASSERT_GT(*std::max_element(p.begin(), p.end()), 0.15) << "the test needs a non-uniform distribution";

  GenerationOptions options;
  options.max_new_tokens = 1;
  options.temperature = temperature;
  options.seed = 9;
  const auto samples = generate(model, std::vector<std::vector<int32_t>>(draws, prompt), options);
  std::vector<int64_t> counts(13, 0);
  for (const auto& s : samples) ++counts[s.tokens.at(0)];
  // 12 degrees of freedom: P(chi2 > 36) is about 3e-4; the seed is fixed, so this cannot flake.
  const double chi = chi_square(counts, p, draws);
  std::printf("[ measured ] chi-square of %ld draws at T=%.1f: %.2f (12 dof)\n", static_cast<long>(draws), temperature, chi);
  EXPECT_LT(chi, 36.0);
  // And it is not the untempered softmax (T = 1): the same counts fit that far worse.
  std::vector<double> p1(13);
  total = 0.0;
  for (int64_t v = 0; v < 13; ++v) total += p1[v] = std::exp(element(logits, 2 * 13 + v) - max_logit);
  for (double& x : p1) x /= total;
  EXPECT_GT(chi_square(counts, p1, draws), 100.0);
}

TEST(Sampling, TopKAndTopPKeepTheRightTokens) {
  // Probabilities 0.5, 0.2, 0.15, 0.1, 0.05 at shuffled ids.
  const std::vector<double> probs = {0.15, 0.05, 0.5, 0.1, 0.2};
  std::vector<float> logits;
  for (double p : probs) logits.push_back(static_cast<float>(std::log(p)));
  auto kept = [&](SamplingOptions o) {
    const std::vector<double> d = sampling_distribution(logits, o);
    std::vector<int> ids;
    for (size_t i = 0; i < d.size(); ++i)
      if (d[i] > 0) ids.push_back(static_cast<int>(i));
    return ids;
  };
  SamplingOptions o;
  o.temperature = 1.0;
  o.top_p = 0.4;
  EXPECT_EQ(kept(o), (std::vector<int>{2}));  // 0.5 >= 0.4
  o.top_p = 0.6;
  EXPECT_EQ(kept(o), (std::vector<int>{2, 4}));  // 0.5 < 0.6 <= 0.7
  o.top_p = 0.8;
  EXPECT_EQ(kept(o), (std::vector<int>{0, 2, 4}));  // 0.7 < 0.8 <= 0.85
  o.top_p = 1.0;
  EXPECT_EQ(kept(o), (std::vector<int>{0, 1, 2, 3, 4}));
  // The kept set is renormalised.
  o.top_p = 0.6;
  const std::vector<double> d = sampling_distribution(logits, o);
  EXPECT_NEAR(d[2], 0.5 / 0.7, 1e-6);
  EXPECT_NEAR(d[4], 0.2 / 0.7, 1e-6);
  // top-k first, then top-p on the renormalised top-k set (Hugging Face's warper order): the top two
  // have masses 0.714 and 0.286, so p = 0.7 keeps only the first.
  o.top_k = 2;
  o.top_p = 0.7;
  EXPECT_EQ(kept(o), (std::vector<int>{2}));
  o.top_p = 1.0;
  EXPECT_EQ(kept(o), (std::vector<int>{2, 4}));
  // Draws follow the kept distribution.
  o.top_k = 0;
  o.top_p = 0.8;
  std::vector<int64_t> counts(5, 0);
  const int64_t draws = 20000;
  for (int64_t i = 0; i < draws; ++i) ++counts[sample_token(logits, o, random_uniform(3, 0, i))];
  const std::vector<double> expected = sampling_distribution(logits, o);
  EXPECT_LT(chi_square(counts, expected, draws), 16.0);  // 2 dof
  // Greedy and ties: the lowest id wins.
  EXPECT_EQ(sample_token(std::vector<float>{1.0f, 3.0f, 3.0f}, SamplingOptions{}, 0.99), 1);
}

TEST(Generate, BadOptionsAreErrors) {
  const LanguageModel gpt2 = tiny_model(ModelStyle::GPT2);
  auto run = [&](GenerationOptions o, std::vector<std::vector<int32_t>> prompts = kPrompts) { generate(gpt2, prompts, o); };
  GenerationOptions o;
  o.max_new_tokens = 2;
  o.top_p = 0.0;
  EXPECT_THROW(run(o), Error);
  o.top_p = 1.5;
  EXPECT_THROW(run(o), Error);
  o.top_p = 1.0;
  o.temperature = -0.5;
  EXPECT_THROW(run(o), Error);
  o.temperature = 1.0;
  o.top_k = -1;
  EXPECT_THROW(run(o), Error);
  o.top_k = 0;
  o.max_new_tokens = -1;
  EXPECT_THROW(run(o), Error);
  o.max_new_tokens = 2;
  EXPECT_THROW(run(o, {{}}), Error);        // empty prompt
  EXPECT_THROW(run(o, {{1, 13}}), Error);   // id outside the vocabulary
  // GPT-2 has 16 learned positions: a 17-token prompt, or 15 + 3 new tokens, cannot be positioned.
  EXPECT_THROW(run(o, {random_prompt(17, 1, 13)}), Error);
  o.max_new_tokens = 3;
  EXPECT_THROW(run(o, {random_prompt(15, 1, 13)}), Error);
  o.max_new_tokens = 2;
  EXPECT_NO_THROW(run(o, {random_prompt(15, 1, 13)}));  // 15 + 1 fed back = 16 positions
  EXPECT_TRUE(generate(gpt2, kPrompts, GenerationOptions{.max_new_tokens = 0})[0].tokens.empty());
}

}  // namespace
}  // namespace hone
