#include "scaling/isoflop_fit.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace hone::scaling {
namespace {

void fit_profile(IsoflopProfile& profile, size_t min_runs) {
  double log_flops = 0;
  for (const ScalingPoint& p : profile.runs) log_flops += std::log(p.flops);
  profile.flops = std::exp(log_flops / static_cast<double>(profile.runs.size()));
  std::sort(profile.runs.begin(), profile.runs.end(), [](const ScalingPoint& a, const ScalingPoint& b) { return a.params < b.params; });
  std::vector<double> x, y;
  for (const ScalingPoint& p : profile.runs) {
    if (!x.empty() && std::log(p.params) == x.back()) continue;  // repeated sizes add no curvature information
    x.push_back(std::log(p.params));
    y.push_back(p.loss);
  }
  if (x.size() < min_runs || x.size() < 3) return;
  profile.parabola = fit_polynomial(x, y, 2);
  const double curvature = profile.parabola[2];
  if (curvature <= 0) return;
  const double log_params = -profile.parabola[1] / (2 * curvature);
  if (log_params < x.front() || log_params > x.back()) return;  // the profile does not bracket its minimum
  profile.has_minimum = true;
  profile.optimum.flops = profile.flops;
  profile.optimum.params = std::exp(log_params);
  profile.optimum.tokens = profile.flops / (6 * profile.optimum.params);
  profile.optimum.loss = profile.parabola[0] + log_params * (profile.parabola[1] + log_params * curvature);
}

}  // namespace

std::vector<IsoflopProfile> isoflop_profiles(const std::vector<ScalingPoint>& points, const IsoflopOptions& options) {
  HONE_CHECK(options.flops_tolerance >= 0, "the IsoFLOP budget tolerance must be >= 0, got ", options.flops_tolerance);
  std::vector<ScalingPoint> sorted = points;
  std::stable_sort(sorted.begin(), sorted.end(), [](const ScalingPoint& a, const ScalingPoint& b) { return a.flops < b.flops; });
  std::vector<IsoflopProfile> profiles;
  for (const ScalingPoint& p : sorted) {
    // A profile is anchored at its cheapest run, so a chain of near budgets cannot drift without bound.
    if (profiles.empty() || p.flops > profiles.back().runs.front().flops * (1 + options.flops_tolerance))
      profiles.emplace_back();
    profiles.back().runs.push_back(p);
  }
  for (IsoflopProfile& profile : profiles) fit_profile(profile, options.min_runs);
  return profiles;
}

AllocationLaw fit_isoflop_minima(const std::vector<ScalingPoint>& points, const IsoflopOptions& options) {
  std::vector<ScalingPoint> minima;
  std::vector<IsoflopProfile> profiles = isoflop_profiles(points, options);
  for (const IsoflopProfile& profile : profiles)
    if (profile.has_minimum) minima.push_back(profile.optimum);
  HONE_CHECK(minima.size() >= 2, "IsoFLOP fit: only ", minima.size(), " of ", profiles.size(),
             " compute budgets have ", options.min_runs,
             "+ model sizes around a loss minimum; approach 2 needs 2 such profiles (train runs of several sizes at each budget)");
  return fit_allocation_law(std::move(minima));
}

}  // namespace hone::scaling
