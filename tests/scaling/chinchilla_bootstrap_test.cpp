// Bootstrap intervals for approach 3: the Epoch AI standard errors on the Chinchilla points, and the
// same samples for any thread count.
#include <gtest/gtest.h>

#include <limits>
#include <omp.h>

#include <cmath>

#include "scaling/chinchilla_bootstrap.h"
#include "scaling/scaling_data.h"

namespace hone::scaling {
namespace {

const char* kEpochCsv = HONE_TEST_DATA_DIR "/chinchilla_svg_extracted_data.csv";

struct EpochFit {
  std::vector<ScalingPoint> points;
  ChinchillaFit fit;
};

const EpochFit& epoch_fit() {
  static const EpochFit cached = [] {
    EpochFit f;
    f.points = drop_highest_losses(read_scaling_csv(kEpochCsv), 5);
    f.fit = fit_chinchilla_law(f.points);
    return f;
  }();
  return cached;
}

TEST(SampleSummary, PercentilesInterpolateAndStandardErrorIsSampleDeviation) {
  std::vector<double> values{4, 1, 3, 2, 5};
  EXPECT_DOUBLE_EQ(percentile(values, 0.5), 3);
  EXPECT_DOUBLE_EQ(percentile(values, 0.125), 1.5);
  EXPECT_DOUBLE_EQ(percentile(values, 1), 5);
  SampleSummary s = summarize_samples(values, 0.5);
  EXPECT_DOUBLE_EQ(s.standard_error, std::sqrt(2.5));
  EXPECT_DOUBLE_EQ(s.low, 2);
  EXPECT_DOUBLE_EQ(s.high, 4);
}

TEST(SampleSummary, DivergedSamplesAreLeftOutAndCounted) {
  const double inf = std::numeric_limits<double>::infinity();
  SampleSummary s = summarize_samples({4, 1, inf, 3, std::nan(""), 2, 5}, 0.5);
  EXPECT_EQ(s.count, 5u);
  EXPECT_EQ(s.non_finite, 2u);
  EXPECT_DOUBLE_EQ(s.standard_error, std::sqrt(2.5));
  SampleSummary degenerate = summarize_samples({inf, inf, 1.0}, 0.95);
  EXPECT_EQ(degenerate.standard_error, inf);
  EXPECT_EQ(degenerate.low, -inf);
  EXPECT_FALSE(std::isnan(degenerate.high));
}

TEST(ChinchillaBootstrap, StandardErrorsMatchEpochReplication) {
  const EpochFit& f = epoch_fit();
  BootstrapOptions options;
  options.resamples = 400;  // the CLI default is 4000; 400 pins the standard errors to a few percent
  options.seed = 1;
  ChinchillaBootstrap boot = bootstrap_chinchilla_law(f.points, f.fit, options);
  ASSERT_EQ(boot.samples.size(), 400u);
  SampleSummary alpha = boot.alpha(), beta = boot.beta(), e = boot.E();
  std::printf("SE alpha %.4f beta %.4f E %.4f A %.1f B %.1f; alpha 95%% [%.4f, %.4f]\n", alpha.standard_error,
              beta.standard_error, e.standard_error, boot.A().standard_error, boot.B().standard_error, alpha.low, alpha.high);
  EXPECT_NEAR(alpha.standard_error / 0.015, 1.0, 0.3);
  EXPECT_NEAR(beta.standard_error / 0.021, 1.0, 0.3);
  // The intervals bracket the full-data estimate.
  EXPECT_LT(alpha.low, f.fit.law.alpha);
  EXPECT_GT(alpha.high, f.fit.law.alpha);
  EXPECT_LT(beta.low, f.fit.law.beta);
  EXPECT_GT(beta.high, f.fit.law.beta);
  EXPECT_EQ(boot.grid_restarts, options.grid_restarts);
}

TEST(ChinchillaBootstrap, SameSamplesForAnyThreadCountAndDifferentForAnotherSeed) {
  const EpochFit& f = epoch_fit();
  BootstrapOptions options;
  options.resamples = 12;
  options.seed = 7;
  int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  ChinchillaBootstrap one = bootstrap_chinchilla_law(f.points, f.fit, options);
  omp_set_num_threads(3);
  ChinchillaBootstrap three = bootstrap_chinchilla_law(f.points, f.fit, options);
  options.seed = 8;
  ChinchillaBootstrap other_seed = bootstrap_chinchilla_law(f.points, f.fit, options);
  omp_set_num_threads(threads);
  for (size_t r = 0; r < one.samples.size(); ++r) {
    EXPECT_EQ(one.samples[r].alpha, three.samples[r].alpha) << r;
    EXPECT_EQ(one.samples[r].beta, three.samples[r].beta) << r;
    EXPECT_EQ(one.samples[r].E, three.samples[r].E) << r;
    EXPECT_EQ(one.samples[r].A, three.samples[r].A) << r;
    EXPECT_EQ(one.samples[r].B, three.samples[r].B) << r;
    EXPECT_NE(one.samples[r].alpha, other_seed.samples[r].alpha) << r;
  }
}

}  // namespace
}  // namespace hone::scaling
