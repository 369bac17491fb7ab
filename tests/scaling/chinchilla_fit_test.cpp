// Chinchilla approach 3: the analytic gradient of the Huber objective, recovery of a known law, and
// the fidelity target: Epoch AI's replication on the points they extracted from Hoffmann et al.
#include <gtest/gtest.h>

#include <cmath>

#include "scaling/chinchilla_fit.h"
#include "scaling/scaling_data.h"

namespace hone::scaling {
namespace {

const char* kEpochCsv = "/work/shared/data/chinchilla_svg_extracted_data.csv";

std::vector<ScalingPoint> grid_from_law(const ChinchillaLaw& law) {
  std::vector<ScalingPoint> points;
  for (double log_n = 7; log_n <= 10.01; log_n += 0.5)
    for (double log_d = 9; log_d <= 12.01; log_d += 0.5) {
      double n = std::pow(10, log_n), d = std::pow(10, log_d);
      points.push_back({n, d, 6 * n * d, law.loss(n, d)});
    }
  return points;
}

TEST(ChinchillaObjective, GradientMatchesCentralDifferences) {
  auto points = grid_from_law(ChinchillaLaw{1.8, 480, 2100, 0.35, 0.37});
  // Away from the optimum, with a delta that puts some residuals on each side of the Huber kink.
  HuberLogLossObjective objective(points, std::vector<double>(points.size(), 1.0), 0.05);
  RawParameters raw{6.0, 7.5, 0.5, 0.3, 0.4};
  double gradient[5];
  objective.evaluate(raw, gradient);
  for (int k = 0; k < 5; ++k) {
    const double h = 1e-6;
    RawParameters plus = raw, minus = raw;
    plus[k] += h;
    minus[k] -= h;
    double numeric = (objective.evaluate(plus, nullptr) - objective.evaluate(minus, nullptr)) / (2 * h);
    EXPECT_NEAR(gradient[k], numeric, 1e-6 * std::max(1.0, std::abs(numeric))) << "parameter " << k;
    EXPECT_NE(gradient[k], 0.0) << "parameter " << k;
  }
}

TEST(ChinchillaFit, RecoversAKnownLawFromExactPoints) {
  ChinchillaLaw truth{1.8, 480, 2100, 0.35, 0.37};
  ChinchillaFit fit = fit_chinchilla_law(grid_from_law(truth));
  EXPECT_NEAR(fit.law.E, truth.E, 1e-3);
  EXPECT_NEAR(fit.law.alpha, truth.alpha, 1e-3);
  EXPECT_NEAR(fit.law.beta, truth.beta, 1e-3);
  EXPECT_NEAR(fit.law.A / truth.A, 1.0, 1e-2);
  EXPECT_NEAR(fit.law.B / truth.B, 1.0, 1e-2);
  EXPECT_LT(fit.objective, 1e-9);
}

TEST(ChinchillaFit, ReproducesEpochReplicationOnChinchillaPoints) {
  auto points = drop_highest_losses(read_scaling_csv(kEpochCsv), 5);
  ASSERT_EQ(points.size(), 240u);
  ChinchillaFit fit = fit_chinchilla_law(points);
  std::printf("E %.4f A %.2f B %.2f alpha %.4f beta %.4f objective %.6g\n", fit.law.E, fit.law.A, fit.law.B,
              fit.law.alpha, fit.law.beta, fit.objective);
  EXPECT_NEAR(fit.law.alpha, 0.347, 0.002);
  EXPECT_NEAR(fit.law.beta, 0.367, 0.002);
  EXPECT_NEAR(fit.law.E, 1.817, 0.003);
  EXPECT_NEAR(fit.law.A / 478, 1.0, 0.03);
  EXPECT_NEAR(fit.law.B / 2143, 1.0, 0.05);
}

}  // namespace
}  // namespace hone::scaling
