#pragma once
// Chinchilla approach 1 on finished runs: the minimum-loss envelope over compute. A run is on the
// envelope when no run that used at most its compute reached a lower loss; those runs are the best
// allocations seen for their budgets, and N_opt(C), D_opt(C) are power laws fitted through them.
// (Hoffmann et al. read the envelope off whole training curves; with one point per run the envelope
// is the lower-left frontier of loss against compute.)
#include <vector>

#include "scaling/allocation_law.h"

namespace hone::scaling {

std::vector<ScalingPoint> minimum_loss_envelope(const std::vector<ScalingPoint>& points);
AllocationLaw fit_loss_envelope(const std::vector<ScalingPoint>& points);

}  // namespace hone::scaling
