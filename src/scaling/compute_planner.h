#pragma once
// Compute-optimal allocation under L(N, D) = E + A/N^alpha + B/D^beta with C = 6 N D.
// Minimising L at fixed C gives N_opt = G (C/6)^(beta/(alpha+beta)), G = (alpha A / (beta B))^(1/(alpha+beta)),
// D_opt = (C/6) / N_opt. For a target loss, the optimum balances the two terms: alpha A/N^alpha =
// beta B/D^beta, and their sum is L - E, which gives N and D directly.
#include <vector>

#include "scaling/chinchilla_law.h"
#include "scaling/sample_summary.h"

namespace hone::scaling {

struct ComputePlan {
  double flops = 0;
  double params = 0;
  double tokens = 0;
  double tokens_per_param = 0;
  double loss = 0;
};

ComputePlan plan_for_flops(const ChinchillaLaw& law, double flops);
// Throws when target_loss <= E: no amount of compute reaches the irreducible loss.
ComputePlan plan_for_loss(const ChinchillaLaw& law, double target_loss);

// The spread of a plan over bootstrap samples of the law (percentile intervals).
struct PlanIntervals {
  SampleSummary flops, params, tokens, tokens_per_param, loss;
  size_t samples_used = 0;     // samples for which a plan exists
  size_t samples_skipped = 0;  // degenerate samples, or for a target loss those whose E is above it
};

PlanIntervals plan_intervals_for_flops(const std::vector<ChinchillaLaw>& samples, double flops, double level = 0.95);
PlanIntervals plan_intervals_for_loss(const std::vector<ChinchillaLaw>& samples, double target_loss, double level = 0.95);

}  // namespace hone::scaling
