#include "scaling/loss_envelope_fit.h"

#include <algorithm>

namespace hone::scaling {

std::vector<ScalingPoint> minimum_loss_envelope(const std::vector<ScalingPoint>& points) {
  std::vector<ScalingPoint> sorted = points;
  // Cheapest first; at equal compute the lower loss first so only it can enter the envelope.
  std::stable_sort(sorted.begin(), sorted.end(), [](const ScalingPoint& a, const ScalingPoint& b) {
    return a.flops != b.flops ? a.flops < b.flops : a.loss < b.loss;
  });
  std::vector<ScalingPoint> envelope;
  for (const ScalingPoint& p : sorted)
    if (envelope.empty() || p.loss < envelope.back().loss) envelope.push_back(p);
  return envelope;
}

AllocationLaw fit_loss_envelope(const std::vector<ScalingPoint>& points) {
  return fit_allocation_law(minimum_loss_envelope(points));
}

}  // namespace hone::scaling
