// The compute planner: Hoffmann's published constants show their known ~93 tokens-per-parameter
// pathology at Chinchilla's budget; the Epoch refit gives ~18 and ~70B parameters.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"

#include "scaling/compute_planner.h"

namespace hone::scaling {
namespace {

constexpr double kChinchillaFlops = 5.88e23;
const ChinchillaLaw kEpochRefit{1.8172, 477.83, 2143.42, 0.3473, 0.3672};  // our fit, see chinchilla_fit_test

TEST(ComputePlanner, HoffmannConstantsGiveTheirKnownPathology) {
  ComputePlan plan = plan_for_flops(hoffmann_published_law(), kChinchillaFlops);
  EXPECT_NEAR(plan.tokens_per_param, 93, 2);
  EXPECT_NEAR(plan.params / 3.25e10, 1.0, 0.02);
  EXPECT_NEAR(6 * plan.params * plan.tokens / kChinchillaFlops, 1.0, 1e-12);
  EXPECT_NEAR(plan.loss, hoffmann_published_law().loss(plan.params, plan.tokens), 1e-12);
}

TEST(ComputePlanner, RefitGivesChinchillaLikeAllocation) {
  ComputePlan plan = plan_for_flops(kEpochRefit, kChinchillaFlops);
  std::printf("N %.3g D %.3g tokens/param %.2f loss %.4f\n", plan.params, plan.tokens, plan.tokens_per_param, plan.loss);
  EXPECT_NEAR(plan.tokens_per_param, 18, 1);
  EXPECT_NEAR(plan.params / 7.4e10, 1.0, 0.05);
}

TEST(ComputePlanner, PlanIsTheMinimumAlongTheIsoFlopCurve) {
  const ChinchillaLaw law = kEpochRefit;
  ComputePlan plan = plan_for_flops(law, 1e21);
  for (double factor : {0.9, 0.99, 1.01, 1.1}) {
    double n = plan.params * factor;
    EXPECT_GT(law.loss(n, 1e21 / (6 * n)), plan.loss) << factor;
  }
}

TEST(ComputePlanner, TargetLossInvertsTheComputePlan) {
  for (const ChinchillaLaw& law : {hoffmann_published_law(), kEpochRefit}) {
    ComputePlan by_flops = plan_for_flops(law, 3e22);
    ComputePlan by_loss = plan_for_loss(law, by_flops.loss);
    EXPECT_NEAR(by_loss.flops / 3e22, 1.0, 1e-9);
    EXPECT_NEAR(by_loss.params / by_flops.params, 1.0, 1e-9);
    EXPECT_NEAR(by_loss.loss, by_flops.loss, 1e-12);
  }
}

TEST(ComputePlanner, UnreachableLossAndBadBudgetsAreErrors) {
  EXPECT_THROW(plan_for_loss(hoffmann_published_law(), 1.69), Error);
  EXPECT_THROW(plan_for_loss(hoffmann_published_law(), 1.5), Error);
  EXPECT_THROW(plan_for_flops(hoffmann_published_law(), 0), Error);
  EXPECT_THROW(plan_for_flops(ChinchillaLaw{1.7, 400, 400, -0.1, 0.3}, 1e20), Error);
}

TEST(ComputePlanner, IntervalsFromSamplesBracketTheCentralPlan) {
  std::vector<ChinchillaLaw> samples;
  for (int i = 0; i < 101; ++i) {
    ChinchillaLaw law = kEpochRefit;
    law.alpha += 0.0003 * (i - 50);
    law.E += 0.001 * (i - 50);
    samples.push_back(law);
  }
  PlanIntervals by_flops = plan_intervals_for_flops(samples, kChinchillaFlops);
  ComputePlan central = plan_for_flops(kEpochRefit, kChinchillaFlops);
  EXPECT_EQ(by_flops.samples_used, 101u);
  EXPECT_LT(by_flops.params.low, central.params);
  EXPECT_GT(by_flops.params.high, central.params);
  EXPECT_LT(by_flops.loss.low, central.loss);
  EXPECT_GT(by_flops.loss.high, central.loss);
  // A target just above the central E: the samples with a higher E cannot reach it and are skipped.
  PlanIntervals by_loss = plan_intervals_for_loss(samples, kEpochRefit.E + 0.0305);
  EXPECT_EQ(by_loss.samples_skipped, 20u);
  EXPECT_EQ(by_loss.samples_used, 81u);
}

}  // namespace
}  // namespace hone::scaling
