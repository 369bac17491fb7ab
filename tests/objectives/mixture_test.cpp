// Mixture presets, rate checks, and the per-example categorical draw.
#include <gtest/gtest.h>

#include <vector>

#include "core/error.h"
#include "objectives/mixture.h"

namespace hone::objectives {
namespace {

std::vector<double> frequencies(const Mixture& mixture, uint64_t seed, int draws) {
  std::vector<double> counts(mixture.components.size(), 0.0);
  for (int i = 0; i < draws; ++i) counts[sample_denoiser(mixture, seed, static_cast<uint64_t>(i))] += 1.0;
  for (double& c : counts) c /= draws;
  return counts;
}

TEST(Mixture, Ul2PresetIsTheSevenDenoisersOfThePaper) {
  const Mixture ul2 = mixture_preset("ul2");
  ASSERT_EQ(ul2.components.size(), 7u);
  const double expected[][2] = {{3, 0.15}, {8, 0.15}, {3, 0.5}, {8, 0.5}, {64, 0.15}, {64, 0.5}};
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(ul2.components[i].denoiser.kind, DenoiserKind::SpanCorruption);
    EXPECT_EQ(ul2.components[i].denoiser.mean_span, expected[i][0]);
    EXPECT_EQ(ul2.components[i].denoiser.noise_density, expected[i][1]);
    EXPECT_EQ(ul2.components[i].denoiser.mode, i < 2 ? Mode::NLU : Mode::NLG);
  }
  EXPECT_EQ(ul2.components[6].denoiser.kind, DenoiserKind::PrefixLM);
  EXPECT_EQ(ul2.components[6].denoiser.mode, Mode::S2S);
  for (const auto& c : ul2.components) EXPECT_DOUBLE_EQ(c.rate, 1.0 / 7.0);
}

TEST(Mixture, Ul2rPresetIsHalfPrefixLm) {
  const Mixture ul2r = mixture_preset("ul2r");
  ASSERT_EQ(ul2r.components.size(), 3u);
  EXPECT_EQ(ul2r.components[0].denoiser.kind, DenoiserKind::PrefixLM);
  EXPECT_EQ(ul2r.components[0].rate, 0.5);
  EXPECT_EQ(ul2r.components[1].denoiser.mode, Mode::NLU);
  EXPECT_EQ(ul2r.components[1].rate, 0.25);
  EXPECT_EQ(ul2r.components[2].denoiser.mode, Mode::NLG);
  EXPECT_EQ(ul2r.components[2].rate, 0.25);
  EXPECT_EQ(mixture_preset("t5").components.at(0).denoiser.mode, Mode::None);
  EXPECT_EQ(mixture_preset("causal").components.at(0).denoiser.kind, DenoiserKind::CausalLM);
}

TEST(Mixture, EmpiricalFrequenciesMatchTheRates) {
  for (const char* name : {"ul2", "ul2r"}) {
    const Mixture mixture = mixture_preset(name);
    const auto freq = frequencies(mixture, 2024, 100000);
    for (size_t i = 0; i < freq.size(); ++i) EXPECT_NEAR(freq[i], mixture.components[i].rate, 0.005) << name << " " << i;
  }
  Mixture custom = mixture_preset("ul2r");
  set_mixture_rates(custom, {0.1, 0.0, 0.9});
  const auto freq = frequencies(custom, 1, 100000);
  EXPECT_NEAR(freq[0], 0.1, 0.005);
  EXPECT_EQ(freq[1], 0.0);  // a zero rate is never drawn
  EXPECT_NEAR(freq[2], 0.9, 0.005);
}

TEST(Mixture, DrawIsAPureFunctionOfSeedAndIndex) {
  const Mixture ul2 = mixture_preset("ul2");
  std::vector<size_t> a, b, c;
  for (uint64_t i = 0; i < 200; ++i) {
    a.push_back(sample_denoiser(ul2, 5, i));
    c.push_back(sample_denoiser(ul2, 6, i));
  }
  for (uint64_t i = 200; i-- > 0;) b.insert(b.begin(), sample_denoiser(ul2, 5, i));  // any order
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(Mixture, BadRatesAreErrors) {
  Mixture mixture = mixture_preset("ul2r");
  EXPECT_THROW(set_mixture_rates(mixture, {0.5, 0.25, 0.3}), Error);   // sums to 1.05
  EXPECT_THROW(set_mixture_rates(mixture, {0.5, 0.75, -0.25}), Error); // negative
  EXPECT_THROW(set_mixture_rates(mixture, {0.5, 0.5}), Error);         // wrong count
  EXPECT_THROW(mixture_preset("no-such-mixture"), Error);
  try {
    set_mixture_rates(mixture, {0.5, 0.25, 0.3});
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sum to 1.05"), std::string::npos) << e.what();
  }
}

TEST(Mixture, Ul2At512NeedsMoreSentinelsThanT5Has) {
  ObjectiveOptions options;
  options.mode_tokens = ModeTokens::reserved(32100, 32101, 32102);
  options.sentinels = SentinelOptions{32100, 100, SentinelOverflow::Error};
  EXPECT_THROW(check_mixture(mixture_preset("ul2"), options), Error);  // X(3, .5): 128 spans
  EXPECT_NO_THROW(check_mixture(mixture_preset("ul2r"), options));
  options.sentinels.overflow = SentinelOverflow::Wrap;
  EXPECT_NO_THROW(check_mixture(mixture_preset("ul2"), options));
}

}  // namespace
}  // namespace hone::objectives
