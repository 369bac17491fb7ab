// T5's random_spans_helper and the deterministic counts of random_spans_noise_mask, with the exact
// vectors of issue 4.
#include <gtest/gtest.h>

#include <tuple>

#include "core/error.h"
#include "objectives/span_lengths.h"

namespace hone::objectives {
namespace {

TEST(SpanCorruptionLengths, MatchesT5RandomSpansHelper) {
  // (inputs length, noise density, mean span) -> (raw length, targets length)
  const std::tuple<int64_t, double, double, int64_t, int64_t> cases[] = {
      {64, 0.2, 2, 70, 22},       {64, 0.2, 1, 63, 27},       {512, 0.15, 3, 568, 114},
      {512, 0.5, 3, 766, 512},    {512, 0.5, 8, 908, 512},    {512, 0.15, 64, 600, 92},
      {512, 0.5, 64, 1006, 512},  {512, 0.15, 8, 588, 100},   {1024, 0.15, 3, 1137, 229},
  };
  for (const auto& [inputs, density, mean, raw, targets] : cases) {
    const SpanCorruptionLengths lengths = span_corruption_lengths(inputs, density, mean);
    EXPECT_EQ(lengths.raw_length, raw) << inputs << " " << density << " " << mean;
    EXPECT_EQ(lengths.targets_length, targets) << inputs << " " << density << " " << mean;
  }
}

TEST(SpanCorruptionLengths, RejectsBadRates) {
  EXPECT_THROW(span_corruption_lengths(512, 0.0, 3), Error);
  EXPECT_THROW(span_corruption_lengths(512, 1.0, 3), Error);
  EXPECT_THROW(span_corruption_lengths(512, 0.15, 0), Error);
  EXPECT_THROW(span_corruption_lengths(1, 0.15, 3), Error);
}

TEST(SpanCounts, NoiseTokensRoundAsFloat32HalfToEven) {
  EXPECT_EQ(span_counts(30, 0.15, 3).noise_tokens, 4);  // 4.5 -> 4 (half to even)
  EXPECT_EQ(span_counts(5, 0.5, 3).noise_tokens, 2);    // 2.5 -> 2
  // 190 * 0.15 is 28.4999... in double but 28.500002 in float32: TF (and hone) say 29.
  EXPECT_EQ(span_counts(190, 0.15, 3).noise_tokens, 29);
  EXPECT_EQ(span_counts(568, 0.15, 3).noise_tokens, 85);
  EXPECT_EQ(span_counts(568, 0.15, 3).noise_spans, 28);
  EXPECT_EQ(span_counts(568, 0.15, 3).nonnoise_tokens, 483);
}

TEST(SpanCounts, NoiseTokensClippedToLeaveOneOfEach) {
  EXPECT_EQ(span_counts(2, 0.01, 3).noise_tokens, 1);   // rounds to 0, clipped up to 1
  EXPECT_EQ(span_counts(10, 0.98, 100).noise_tokens, 9);  // rounds to 10, clipped down to length - 1
}

TEST(SpanCounts, SpansAreRoundedNoiseOverMeanAtLeastOne) {
  EXPECT_EQ(span_counts(8, 0.5, 8).noise_tokens, 4);
  EXPECT_EQ(span_counts(8, 0.5, 8).noise_spans, 1);   // 0.5 -> 0 -> at least 1
  EXPECT_EQ(span_counts(24, 0.5, 8).noise_tokens, 12);
  EXPECT_EQ(span_counts(24, 0.5, 8).noise_spans, 2);  // 1.5 -> 2
  EXPECT_EQ(span_counts(40, 0.5, 8).noise_tokens, 20);
  EXPECT_EQ(span_counts(40, 0.5, 8).noise_spans, 2);  // 2.5 -> 2 (half to even)
  // A mean span longer than the sequence falls back to one span, as in T5.
  EXPECT_EQ(span_counts(10, 0.5, 64).noise_spans, 1);
}

TEST(SpanCounts, RejectsImpossibleSequences) {
  EXPECT_THROW(span_counts(1, 0.15, 3), Error);     // too short for one noise and one kept token
  EXPECT_THROW(span_counts(10, 0.9, 1), Error);     // 9 noise spans but 1 kept token
  EXPECT_THROW(span_counts(100, -0.1, 3), Error);
  EXPECT_THROW(span_counts(100, 0.15, -3), Error);
}

}  // namespace
}  // namespace hone::objectives
