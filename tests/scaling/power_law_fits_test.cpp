// Kaplan power laws and Chinchilla approaches 1 and 2 recover the laws that generated synthetic runs.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"

#include "core/rng.h"
#include "scaling/chinchilla_law.h"
#include "scaling/isoflop_fit.h"
#include "scaling/loss_envelope_fit.h"
#include "scaling/power_law.h"

namespace hone::scaling {
namespace {

const ChinchillaLaw kLaw{1.8, 480, 2100, 0.35, 0.37};
// Compute-optimal exponents of kLaw: N_opt ~ C^(beta/(alpha+beta)), D_opt ~ C^(alpha/(alpha+beta)).
const double kParamsExponent = 0.37 / 0.72, kTokensExponent = 0.35 / 0.72;

TEST(PowerLaw, RecoversExactAndNoisyLaws) {
  std::vector<double> x, exact, noisy;
  for (int i = 0; i < 40; ++i) {
    double xi = std::pow(10, 6 + 0.1 * i);
    x.push_back(xi);
    exact.push_back(3.5 * std::pow(xi, -0.076));
    noisy.push_back(exact.back() * std::exp(0.01 * random_normal(3, 0, i)));
  }
  PowerLaw line = fit_power_law(x, exact);
  EXPECT_NEAR(line.coefficient, 3.5, 1e-9);
  EXPECT_NEAR(line.exponent, -0.076, 1e-12);
  PowerLaw rough = fit_power_law(x, noisy);
  EXPECT_NEAR(rough.exponent, -0.076, 0.005);
  EXPECT_NE(rough.exponent, line.exponent);
}

TEST(PowerLaw, KaplanFormRecoversScaleAndExponent) {
  // Kaplan et al.'s L(N) = (8.8e13 / N)^0.076.
  std::vector<double> n, loss;
  for (int i = 0; i < 10; ++i) {
    n.push_back(std::pow(10, 5 + 0.5 * i));
    loss.push_back(std::pow(8.8e13 / n.back(), 0.076));
  }
  KaplanLaw law = fit_kaplan_law(n, loss);
  EXPECT_NEAR(law.exponent, 0.076, 1e-10);
  EXPECT_NEAR(law.scale / 8.8e13, 1.0, 1e-8);
  EXPECT_NEAR(law.loss(1e9), std::pow(8.8e4, 0.076), 1e-10);
  std::vector<double> rising{1, 2, 3, 4};
  EXPECT_THROW(fit_kaplan_law(n, std::vector<double>(n.size(), 2.0)), Error);
  EXPECT_THROW(fit_kaplan_law({1, 2, 3, 4}, rising), Error);
  EXPECT_THROW(fit_power_law({1, 1, 1}, {1, 2, 3}), Error);
  EXPECT_THROW(fit_power_law({1, -2}, {1, 2}), Error);
}

TEST(PolynomialFit, RecoversAParabola) {
  std::vector<double> x{-2, -1, 0, 1, 2, 3}, y;
  for (double v : x) y.push_back(1.5 - 0.5 * v + 0.25 * v * v);
  std::vector<double> c = fit_polynomial(x, y, 2);
  EXPECT_NEAR(c[0], 1.5, 1e-12);
  EXPECT_NEAR(c[1], -0.5, 1e-12);
  EXPECT_NEAR(c[2], 0.25, 1e-12);
}

// Runs at random sizes and token counts (log-uniform), as a user's scattered history of runs might be,
// with losses from kLaw. Only budgets whose optimum lies well inside the sampled ranges are kept, so
// the ranges' edges do not clip the envelope.
std::vector<ScalingPoint> scattered_runs() {
  std::vector<ScalingPoint> points;
  for (uint64_t i = 0; i < 20000; ++i) {
    double n = std::pow(10, 5 + 6 * random_uniform(11, 0, i)), d = std::pow(10, 6 + 7 * random_uniform(11, 1, i));
    double flops = 6 * n * d;
    if (flops >= 6e13 && flops <= 6e20) points.push_back({n, d, flops, kLaw.loss(n, d)});
  }
  return points;
}

TEST(LossEnvelope, EnvelopeIsMonotoneAndRecoversAllocationExponents) {
  std::vector<ScalingPoint> points = scattered_runs();
  std::vector<ScalingPoint> envelope = minimum_loss_envelope(points);
  ASSERT_GT(envelope.size(), 20u);
  for (size_t i = 1; i < envelope.size(); ++i) {
    EXPECT_GT(envelope[i].flops, envelope[i - 1].flops);
    EXPECT_LT(envelope[i].loss, envelope[i - 1].loss);
  }
  AllocationLaw law = fit_loss_envelope(points);
  std::printf("approach 1: a %.4f b %.4f (true %.4f %.4f)\n", law.params_for_flops.exponent, law.tokens_for_flops.exponent,
              kParamsExponent, kTokensExponent);
  EXPECT_NEAR(law.params_for_flops.exponent, kParamsExponent, 0.02);
  EXPECT_NEAR(law.tokens_for_flops.exponent, kTokensExponent, 0.02);
  // The two exponents of C = 6 N D must add up to 1.
  EXPECT_NEAR(law.params_for_flops.exponent + law.tokens_for_flops.exponent, 1.0, 1e-9);
}

TEST(IsoflopFit, ParabolaMinimaRecoverAllocationExponents) {
  // Profiles at five budgets, sizes spread evenly in log N around each budget's true optimum.
  std::vector<ScalingPoint> points;
  const double g = std::pow(kLaw.alpha * kLaw.A / (kLaw.beta * kLaw.B), 1 / (kLaw.alpha + kLaw.beta));
  for (double flops : {1e18, 1e19, 1e20, 1e21, 1e22}) {
    double n_opt = g * std::pow(flops / 6, kParamsExponent);
    for (int k = -4; k <= 4; ++k) {
      double n = n_opt * std::pow(10, 0.15 * k + 0.05);  // off-centre, so the minimum is interpolated
      double budget = flops * (1 + 0.001 * k);         // budgets are never exactly equal in practice
      points.push_back({n, budget / (6 * n), budget, kLaw.loss(n, budget / (6 * n))});
    }
  }
  std::vector<IsoflopProfile> profiles = isoflop_profiles(points);
  ASSERT_EQ(profiles.size(), 5u);
  for (const IsoflopProfile& p : profiles) {
    EXPECT_EQ(p.runs.size(), 9u);
    EXPECT_TRUE(p.has_minimum);
    double true_opt = g * std::pow(p.flops / 6, kParamsExponent);
    EXPECT_NEAR(p.optimum.params / true_opt, 1.0, 0.05) << p.flops;
  }
  AllocationLaw law = fit_isoflop_minima(points);
  std::printf("approach 2: a %.4f b %.4f (true %.4f %.4f)\n", law.params_for_flops.exponent, law.tokens_for_flops.exponent,
              kParamsExponent, kTokensExponent);
  EXPECT_NEAR(law.params_for_flops.exponent, kParamsExponent, 0.01);
  EXPECT_NEAR(law.tokens_for_flops.exponent, kTokensExponent, 0.01);
}

TEST(IsoflopFit, ProfilesWithoutABracketedMinimumAreRejected) {
  // Only sizes far below the optimum: the losses fall monotonically and no minimum is bracketed.
  std::vector<ScalingPoint> points;
  for (double flops : {1e20, 1e21})
    for (double n : {1e5, 2e5, 4e5, 8e5}) points.push_back({n, flops / (6 * n), flops, kLaw.loss(n, flops / (6 * n))});
  for (const IsoflopProfile& p : isoflop_profiles(points)) EXPECT_FALSE(p.has_minimum);
  EXPECT_THROW(fit_isoflop_minima(points), Error);
}

}  // namespace
}  // namespace hone::scaling
