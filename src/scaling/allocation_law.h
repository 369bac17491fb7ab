#pragma once
// What approaches 1 and 2 of Hoffmann et al. produce: compute-optimal N and D as power laws of C,
// and the optimal points they were fitted to.
#include <vector>

#include "scaling/power_law.h"
#include "scaling/scaling_data.h"

namespace hone::scaling {

struct AllocationLaw {
  PowerLaw params_for_flops;  // N_opt(C) = k C^a
  PowerLaw tokens_for_flops;  // D_opt(C) = k' C^b
  std::vector<ScalingPoint> optima;
};

// Fits both power laws to the optima (needs 2+ distinct compute levels).
AllocationLaw fit_allocation_law(std::vector<ScalingPoint> optima);

}  // namespace hone::scaling
