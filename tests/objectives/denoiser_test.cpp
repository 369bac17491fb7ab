// Denoised examples: reconstruction of the source, lengths within bounds with mode tokens and EOS, the
// S-denoiser's split, the plain objectives, and every bad-input path.
#include <gtest/gtest.h>

#include <map>
#include <numeric>

#include "core/error.h"
#include "objectives/denoiser.h"
#include "objectives/mixture.h"
#include "objectives/span_lengths.h"
#include "objectives/split_tokens.h"

namespace hone::objectives {
namespace {

constexpr int32_t kEos = 1;

std::vector<int32_t> source_tokens(int64_t n) {
  std::vector<int32_t> tokens(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) tokens[i] = 100 + static_cast<int32_t>(i % 5000);
  return tokens;
}

bool is_sentinel(int32_t id, const SentinelOptions& s) { return id >= s.vocab_size - s.num_sentinels && id < s.vocab_size; }

// Puts the target spans back where the input sentinels stand.
std::vector<int32_t> reconstruct(std::vector<int32_t> inputs, std::vector<int32_t> targets, const SentinelOptions& s,
                                 size_t mode_length) {
  inputs.pop_back();  // EOS
  targets.pop_back();
  inputs.erase(inputs.begin(), inputs.begin() + static_cast<std::ptrdiff_t>(mode_length));
  std::map<int32_t, std::vector<int32_t>> span_of;  // sentinel -> the tokens that follow it in the targets
  int32_t current = -1;
  for (int32_t t : targets) {
    if (is_sentinel(t, s)) current = t;
    else span_of[current].push_back(t);
  }
  std::vector<int32_t> out = span_of[-1];  // a span before the first sentinel (when the mask starts with noise)
  for (int32_t t : inputs) {
    if (is_sentinel(t, s)) out.insert(out.end(), span_of[t].begin(), span_of[t].end());
    else out.push_back(t);
  }
  return out;
}

ObjectiveOptions ul2_options() {
  ObjectiveOptions options;
  options.inputs_length = 512;
  options.targets_length = 512;
  options.eos_id = kEos;
  options.sentinels = SentinelOptions{32100, 100, SentinelOverflow::Wrap};
  options.mode_tokens = ModeTokens::reserved(7, 8, 9);
  return options;
}

TEST(Denoiser, SpanCorruptionRebuildsTheSource) {
  ObjectiveOptions options = ul2_options();
  const Denoiser r = t5_span_corruption();
  const int64_t n = source_length(r, options);
  EXPECT_EQ(n, 568);
  const auto tokens = source_tokens(n);
  for (uint64_t i = 0; i < 20; ++i) {
    const auto example = make_denoised_example(tokens, r, options, 5, i);
    ASSERT_TRUE(example);
    EXPECT_EQ(example->inputs.size(), 512u);   // 483 kept + 28 sentinels + EOS: exactly full
    EXPECT_EQ(example->targets.size(), 114u);  // 85 noise + 28 sentinels + EOS
    EXPECT_EQ(example->inputs.back(), kEos);
    EXPECT_EQ(example->targets.back(), kEos);
    EXPECT_EQ(reconstruct(example->inputs, example->targets, options.sentinels, 0), tokens);
  }
}

TEST(Denoiser, ModeTokensArePrependedAndInputsNeverOverflow) {
  ObjectiveOptions options = ul2_options();
  // Mode tokens as text through a tokenizer: several pieces each, as with T5's SentencePiece.
  options.mode_tokens = ModeTokens::from_text([](const std::string& text) {
    std::vector<int32_t> ids;
    for (char c : text) ids.push_back(static_cast<int32_t>(c));
    return ids;
  });
  ASSERT_EQ(options.mode_tokens.nlu.size(), 5u);
  const Mixture ul2 = mixture_preset("ul2");
  for (const MixtureComponent& component : ul2.components) {
    const int64_t n = source_length(component.denoiser, options);
    for (uint64_t i = 0; i < 30; ++i) {
      const auto example = make_denoised_example(source_tokens(n), component.denoiser, options, 11, i);
      ASSERT_TRUE(example);
      EXPECT_LE(example->inputs.size(), 512u) << component.denoiser.name;
      EXPECT_LE(example->targets.size(), 512u) << component.denoiser.name;
      const auto& mode = options.mode_tokens.tokens_for(component.denoiser.mode);
      EXPECT_TRUE(std::equal(mode.begin(), mode.end(), example->inputs.begin())) << component.denoiser.name;
    }
  }
  EXPECT_EQ(options.mode_tokens.tokens_for(Mode::NLG), (std::vector<int32_t>{'[', 'N', 'L', 'G', ']'}));
}

TEST(Denoiser, ReservedModeIdsPerParadigm) {
  ObjectiveOptions options = ul2_options();
  const auto tokens = source_tokens(40);
  EXPECT_EQ(make_denoised_example(tokens, r_denoiser(3, 0.15), options, 1, 0)->inputs.front(), 7);
  EXPECT_EQ(make_denoised_example(tokens, x_denoiser(8, 0.5), options, 1, 0)->inputs.front(), 8);
  EXPECT_EQ(make_denoised_example(tokens, s_denoiser(), options, 1, 0)->inputs.front(), 9);
  EXPECT_EQ(make_denoised_example(tokens, t5_span_corruption(), options, 1, 0)->inputs.front(), 100);
  // Reserving one mode token shortens the raw length to the helper's value for 511 inputs.
  EXPECT_EQ(source_length(r_denoiser(3, 0.15), options), span_corruption_lengths(511, 0.15, 3).raw_length);
}

TEST(Denoiser, PrefixLmConcatenatesBackToTheSource) {
  ObjectiveOptions options = ul2_options();
  options.use_mode_tokens = false;
  const auto tokens = source_tokens(5);
  std::map<size_t, int> prefix_lengths;
  for (uint64_t i = 0; i < 4000; ++i) {
    const auto example = make_denoised_example(tokens, s_denoiser(), options, 3, i);
    ASSERT_TRUE(example);
    std::vector<int32_t> joined(example->inputs.begin(), example->inputs.end() - 1);
    joined.insert(joined.end(), example->targets.begin(), example->targets.end() - 1);
    EXPECT_EQ(joined, tokens);
    ++prefix_lengths[example->inputs.size() - 1];
  }
  // Uniform on [1, 4]: each length about 1000 times.
  ASSERT_EQ(prefix_lengths.size(), 4u);
  for (const auto& [length, count] : prefix_lengths) {
    EXPECT_GE(length, 1u);
    EXPECT_LE(length, 4u);
    EXPECT_NEAR(count, 1000, 120) << length;
  }
}

TEST(Denoiser, CausalLmIsTheTextWithEos) {
  ObjectiveOptions options = ul2_options();
  options.targets_length = 8;
  const auto example = make_denoised_example({5, 6, 7}, causal_lm(), options, 0, 0);
  ASSERT_TRUE(example);
  EXPECT_TRUE(example->inputs.empty());
  EXPECT_EQ(example->targets, (std::vector<int32_t>{5, 6, 7, kEos}));
  EXPECT_EQ(source_length(causal_lm(), options), 7);
}

TEST(Denoiser, SameSeedSameExample) {
  ObjectiveOptions options = ul2_options();
  const auto tokens = source_tokens(300);
  const Denoiser x = x_denoiser(8, 0.5);
  EXPECT_EQ(make_denoised_example(tokens, x, options, 9, 2)->inputs, make_denoised_example(tokens, x, options, 9, 2)->inputs);
  EXPECT_NE(make_denoised_example(tokens, x, options, 9, 2)->inputs, make_denoised_example(tokens, x, options, 9, 3)->inputs);
}

TEST(Denoiser, ShortDocumentsFailOrAreSkipped) {
  ObjectiveOptions options = ul2_options();
  EXPECT_THROW(make_denoised_example({42}, r_denoiser(3, 0.15), options, 0, 0), Error);
  EXPECT_THROW(make_denoised_example({42}, s_denoiser(), options, 0, 0), Error);
  EXPECT_THROW(make_denoised_example({}, causal_lm(), options, 0, 0), Error);
  options.short_documents = ShortDocuments::Skip;
  EXPECT_FALSE(make_denoised_example({42}, r_denoiser(3, 0.15), options, 0, 0).has_value());
  // Short but usable chunks still work: 2 tokens give one noise and one kept token.
  const auto two = make_denoised_example({42, 43}, r_denoiser(3, 0.15), options, 0, 0);
  ASSERT_TRUE(two);
  EXPECT_EQ(two->inputs, (std::vector<int32_t>{7, 42, 32099, kEos}));
  EXPECT_EQ(two->targets, (std::vector<int32_t>{32099, 43, kEos}));
}

TEST(Denoiser, ChunksLongerThanTheSourceLengthAreRejected) {
  ObjectiveOptions options = ul2_options();
  const int64_t n = source_length(t5_span_corruption(), options);
  EXPECT_THROW(make_denoised_example(source_tokens(n + 1), t5_span_corruption(), options, 0, 0), Error);
  const auto chunks = split_tokens(source_tokens(2 * n + 3), n);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[2].size(), 3u);
  for (const auto& chunk : chunks) EXPECT_TRUE(make_denoised_example(chunk, t5_span_corruption(), options, 0, 0));
}

TEST(Denoiser, ConfigurationChecksSayWhatIsWrong) {
  ObjectiveOptions options = ul2_options();
  options.sentinels.overflow = SentinelOverflow::Error;
  // X(3, .5) at 512 inputs: 766 raw tokens in 128 spans, more than T5's 100 sentinels.
  options.use_mode_tokens = false;
  EXPECT_EQ(span_counts(766, 0.5, 3).noise_spans, 128);
  EXPECT_THROW(check_denoiser(x_denoiser(3, 0.5), options), Error);
  options.sentinels.overflow = SentinelOverflow::Wrap;
  EXPECT_NO_THROW(check_denoiser(x_denoiser(3, 0.5), options));
  // A mean span longer than the whole example.
  options.inputs_length = options.targets_length = 32;
  EXPECT_THROW(check_denoiser(x_denoiser(64, 0.5), options), Error);
  EXPECT_NO_THROW(check_denoiser(r_denoiser(3, 0.15), options));
  // Targets that do not fit.
  options.inputs_length = 512;
  options.targets_length = 100;
  EXPECT_THROW(check_denoiser(t5_span_corruption(), options), Error);
  EXPECT_THROW(check_denoiser(s_denoiser(), options), Error);
  // A tokenizer without mode tokens: an error unless mode tokens are turned off.
  options.targets_length = 512;
  options.use_mode_tokens = true;
  options.mode_tokens = ModeTokens{};
  EXPECT_THROW(check_denoiser(r_denoiser(3, 0.15), options), Error);
  EXPECT_THROW(make_denoised_example(source_tokens(10), s_denoiser(), options, 0, 0), Error);
  EXPECT_NO_THROW(check_denoiser(t5_span_corruption(), options));  // needs no mode token
  options.use_mode_tokens = false;
  EXPECT_NO_THROW(check_denoiser(r_denoiser(3, 0.15), options));
}

}  // namespace
}  // namespace hone::objectives
