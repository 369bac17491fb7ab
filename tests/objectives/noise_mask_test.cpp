// random_spans_noise_mask: the exact counts and structure for every seed, and the span-length
// distribution checked by chi-square against the uniform-composition law.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>
#include <vector>

#include "objectives/noise_mask.h"

namespace hone::objectives {
namespace {

// Lengths of the maximal runs of `value` in the mask, in order.
std::vector<int64_t> run_lengths(const std::vector<uint8_t>& mask, uint8_t value) {
  std::vector<int64_t> runs;
  for (size_t i = 0; i < mask.size(); ++i) {
    if (mask[i] != value) continue;
    if (i == 0 || mask[i - 1] != value) runs.push_back(0);
    ++runs.back();
  }
  return runs;
}

TEST(NoiseMask, ExactCountsAndEndsForEverySeed) {
  const NoiseMaskOptions options{0.15, 3.0, false};
  for (uint64_t seed = 0; seed < 300; ++seed) {
    const auto mask = random_spans_noise_mask(568, options, seed);
    ASSERT_EQ(mask.size(), 568u);
    EXPECT_EQ(std::accumulate(mask.begin(), mask.end(), 0), 85) << seed;
    EXPECT_EQ(count_noise_spans(mask), 28) << seed;
    EXPECT_EQ(run_lengths(mask, 0).size(), 28u) << seed;  // interleaved: as many kept runs as noise runs
    EXPECT_EQ(mask.front(), 0) << seed;
    EXPECT_EQ(mask.back(), 1) << seed;
  }
}

TEST(NoiseMask, SmallCasesFromTheIssue) {
  for (uint64_t seed = 0; seed < 20; ++seed) {
    auto m30 = random_spans_noise_mask(30, {0.15, 3.0, false}, seed);
    EXPECT_EQ(std::accumulate(m30.begin(), m30.end(), 0), 4);
    auto m5 = random_spans_noise_mask(5, {0.5, 3.0, false}, seed);
    EXPECT_EQ(std::accumulate(m5.begin(), m5.end(), 0), 2);
    EXPECT_EQ(count_noise_spans(random_spans_noise_mask(8, {0.5, 8.0, false}, seed)), 1);
    EXPECT_EQ(count_noise_spans(random_spans_noise_mask(24, {0.5, 8.0, false}, seed)), 2);
    EXPECT_EQ(count_noise_spans(random_spans_noise_mask(40, {0.5, 8.0, false}, seed)), 2);
  }
}

TEST(NoiseMask, DeterministicPerSeedAndExample) {
  const NoiseMaskOptions options{0.15, 3.0, false};
  EXPECT_EQ(random_spans_noise_mask(568, options, 7, 3), random_spans_noise_mask(568, options, 7, 3));
  EXPECT_NE(random_spans_noise_mask(568, options, 7, 3), random_spans_noise_mask(568, options, 8, 3));
  EXPECT_NE(random_spans_noise_mask(568, options, 7, 3), random_spans_noise_mask(568, options, 7, 4));
}

TEST(NoiseMask, ZeroDensityIsAllKept) {
  const auto mask = random_spans_noise_mask(50, {0.0, 3.0, false}, 1);
  EXPECT_EQ(mask, std::vector<uint8_t>(50, 0));
}

TEST(NoiseMask, RandomRollKeepsCountsAndMovesTheSpans) {
  int starts_with_noise = 0, ends_with_kept = 0;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    const auto rolled = random_spans_noise_mask(30, {0.15, 8.0, true}, seed);
    EXPECT_EQ(std::accumulate(rolled.begin(), rolled.end(), 0), 4);
    EXPECT_GE(count_noise_spans(rolled), 1);
    EXPECT_LE(count_noise_spans(rolled), 2);  // the one span may wrap around the end
    starts_with_noise += rolled.front();
    ends_with_kept += rolled.back() == 0;
  }
  // Without the roll one span of 4 always sits at the end; rolled, it lands anywhere.
  EXPECT_GT(starts_with_noise, 10);
  EXPECT_GT(ends_with_kept, 100);
}

// log C(n, k)
double log_choose(int64_t n, int64_t k) {
  return std::lgamma(n + 1.0) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1.0);
}

// P(a given segment has length j) when n items are split uniformly into k positive segments.
std::vector<double> segment_length_law(int64_t n, int64_t k) {
  std::vector<double> p(static_cast<size_t>(n - k + 2), 0.0);
  for (int64_t j = 1; j <= n - k + 1; ++j) p[j] = std::exp(log_choose(n - j - 1, k - 2) - log_choose(n - 1, k - 1));
  return p;
}

// Pearson chi-square of observed span lengths against a law, with tail bins merged until each
// expects at least 5; returns (statistic, degrees of freedom).
std::pair<double, int> chi_square(const std::map<int64_t, int64_t>& observed, const std::vector<double>& law,
                                  int64_t total) {
  double statistic = 0.0, expected_bin = 0.0, observed_bin = 0.0;
  int bins = 0;
  for (size_t j = 1; j < law.size(); ++j) {
    expected_bin += law[j] * static_cast<double>(total);
    auto it = observed.find(static_cast<int64_t>(j));
    observed_bin += it == observed.end() ? 0.0 : static_cast<double>(it->second);
    const bool last = j + 1 == law.size();
    if (expected_bin >= 5.0 || last) {
      statistic += (observed_bin - expected_bin) * (observed_bin - expected_bin) / expected_bin;
      ++bins;
      expected_bin = observed_bin = 0.0;
    }
  }
  return {statistic, bins - 1};
}

// Upper 0.1% point of chi-square (Wilson-Hilferty).
double chi_square_critical_001(int df) {
  const double z = 3.090232, a = 2.0 / (9.0 * df);
  return df * std::pow(1.0 - a + z * std::sqrt(a), 3.0);
}

TEST(NoiseMask, SpanLengthsFollowTheUniformCompositionLaw) {
  const int64_t noise = 85, kept = 483, spans = 28;
  std::map<int64_t, int64_t> noise_hist, kept_hist;
  const int64_t seeds = 3000;
  for (uint64_t seed = 0; seed < static_cast<uint64_t>(seeds); ++seed) {
    const auto mask = random_spans_noise_mask(568, {0.15, 3.0, false}, 1234, seed);
    for (int64_t length : run_lengths(mask, 1)) ++noise_hist[length];
    for (int64_t length : run_lengths(mask, 0)) ++kept_hist[length];
  }
  const auto [noise_stat, noise_df] = chi_square(noise_hist, segment_length_law(noise, spans), seeds * spans);
  EXPECT_LT(noise_stat, chi_square_critical_001(noise_df)) << "df " << noise_df;
  const auto [kept_stat, kept_df] = chi_square(kept_hist, segment_length_law(kept, spans), seeds * spans);
  EXPECT_LT(kept_stat, chi_square_critical_001(kept_df)) << "df " << kept_df;
  std::printf("span lengths: noise chi2 %.1f (df %d), kept chi2 %.1f (df %d), 0.1%% critical %.1f / %.1f\n", noise_stat,
              noise_df, kept_stat, kept_df, chi_square_critical_001(noise_df), chi_square_critical_001(kept_df));
  // The test has power: the law for one span fewer is rejected by the same data.
  const auto [wrong_stat, wrong_df] = chi_square(noise_hist, segment_length_law(noise, spans - 1), seeds * spans);
  EXPECT_GT(wrong_stat, chi_square_critical_001(wrong_df));
}

TEST(RandomSegmentation, PositivePartsThatSumToTheTotal) {
  for (uint64_t seed = 0; seed < 50; ++seed) {
    const auto parts = random_segmentation(20, 7, seed, 0, 1);
    ASSERT_EQ(parts.size(), 7u);
    EXPECT_EQ(std::accumulate(parts.begin(), parts.end(), int64_t{0}), 20);
    for (int64_t p : parts) EXPECT_GE(p, 1);
  }
  EXPECT_EQ(random_segmentation(5, 5, 1, 0, 1), std::vector<int64_t>(5, 1));
  EXPECT_EQ(random_segmentation(5, 1, 1, 0, 1), std::vector<int64_t>{5});
}

}  // namespace
}  // namespace hone::objectives
