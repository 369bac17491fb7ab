#include "scaling/allocation_law.h"

#include "core/error.h"

namespace hone::scaling {

AllocationLaw fit_allocation_law(std::vector<ScalingPoint> optima) {
  HONE_CHECK(optima.size() >= 2, "an allocation law needs compute-optimal points at 2+ compute levels, found ", optima.size());
  std::vector<double> flops, params, tokens;
  for (const ScalingPoint& p : optima) {
    flops.push_back(p.flops);
    params.push_back(p.params);
    tokens.push_back(p.tokens);
  }
  AllocationLaw law;
  law.params_for_flops = fit_power_law(flops, params);
  law.tokens_for_flops = fit_power_law(flops, tokens);
  law.optima = std::move(optima);
  return law;
}

}  // namespace hone::scaling
