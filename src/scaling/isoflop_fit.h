#pragma once
// Chinchilla approach 2: IsoFLOP profiles. Runs that share a compute budget form a profile; a
// parabola in log N through each profile's losses has its minimum at that budget's N_opt, and
// N_opt(C), D_opt(C) = C / (6 N_opt) are power laws fitted through the minima.
#include <vector>

#include "scaling/allocation_law.h"

namespace hone::scaling {

struct IsoflopProfile {
  double flops = 0;                  // geometric mean of the group's budgets
  std::vector<ScalingPoint> runs;    // sorted by N
  std::vector<double> parabola;      // loss = p0 + p1 x + p2 x^2 with x = ln N; empty when not fitted
  bool has_minimum = false;          // convex, with the minimum inside the profile's N range
  ScalingPoint optimum;              // valid when has_minimum
};

struct IsoflopOptions {
  double flops_tolerance = 0.05;  // runs whose budgets differ by less than this fraction share a profile
  size_t min_runs = 3;            // a parabola needs 3 distinct model sizes
};

std::vector<IsoflopProfile> isoflop_profiles(const std::vector<ScalingPoint>& points, const IsoflopOptions& options = {});
// Throws when fewer than 2 profiles have a bracketed minimum.
AllocationLaw fit_isoflop_minima(const std::vector<ScalingPoint>& points, const IsoflopOptions& options = {});

}  // namespace hone::scaling
