#include "scaling/compute_planner.h"

#include <cmath>
#include <functional>

#include "core/error.h"

namespace hone::scaling {
namespace {

bool usable(const ChinchillaLaw& law) {
  return law.A > 0 && law.B > 0 && law.alpha > 0 && law.beta > 0 && law.E >= 0 && std::isfinite(law.A) &&
         std::isfinite(law.B);
}

void check_law(const ChinchillaLaw& law) {
  HONE_CHECK(usable(law),
             "the scaling law needs A, B, alpha, beta > 0 and E >= 0; got E ", law.E, " A ", law.A, " B ", law.B,
             " alpha ", law.alpha, " beta ", law.beta);
}

ComputePlan complete(const ChinchillaLaw& law, double params, double tokens) {
  ComputePlan plan;
  plan.params = params;
  plan.tokens = tokens;
  plan.flops = 6 * params * tokens;
  plan.tokens_per_param = tokens / params;
  plan.loss = law.loss(params, tokens);
  return plan;
}

PlanIntervals intervals(const std::vector<ChinchillaLaw>& samples, double level,
                        const std::function<bool(const ChinchillaLaw&, ComputePlan&)>& plan_one) {
  std::vector<double> flops, params, tokens, ratio, loss;
  PlanIntervals out;
  for (const ChinchillaLaw& law : samples) {
    ComputePlan plan;
    if (!plan_one(law, plan)) {
      ++out.samples_skipped;
      continue;
    }
    flops.push_back(plan.flops);
    params.push_back(plan.params);
    tokens.push_back(plan.tokens);
    ratio.push_back(plan.tokens_per_param);
    loss.push_back(plan.loss);
  }
  HONE_CHECK(flops.size() >= 2, "only ", flops.size(), " of ", samples.size(),
             " bootstrap samples give a plan; intervals need at least 2 (is the target loss below most samples' E?)");
  out.samples_used = flops.size();
  out.flops = summarize_samples(flops, level);
  out.params = summarize_samples(params, level);
  out.tokens = summarize_samples(tokens, level);
  out.tokens_per_param = summarize_samples(ratio, level);
  out.loss = summarize_samples(loss, level);
  return out;
}

}  // namespace

ComputePlan plan_for_flops(const ChinchillaLaw& law, double flops) {
  check_law(law);
  HONE_CHECK(flops > 0 && std::isfinite(flops), "the compute budget must be a positive number of FLOPs, got ", flops);
  const double sum = law.alpha + law.beta;
  const double g = std::pow(law.alpha * law.A / (law.beta * law.B), 1 / sum);
  const double params = g * std::pow(flops / 6, law.beta / sum);
  return complete(law, params, flops / 6 / params);
}

ComputePlan plan_for_loss(const ChinchillaLaw& law, double target_loss) {
  check_law(law);
  HONE_CHECK(target_loss > law.E, "target loss ", target_loss, " is not above the irreducible loss E = ", law.E,
             "; no model size or token count reaches it. Choose a larger target");
  const double sum = law.alpha + law.beta;
  const double reducible = target_loss - law.E;
  const double params_term = reducible * law.beta / sum;  // A / N^alpha at the optimum
  const double tokens_term = reducible * law.alpha / sum;  // B / D^beta at the optimum
  return complete(law, std::pow(law.A / params_term, 1 / law.alpha), std::pow(law.B / tokens_term, 1 / law.beta));
}

PlanIntervals plan_intervals_for_flops(const std::vector<ChinchillaLaw>& samples, double flops, double level) {
  return intervals(samples, level, [flops](const ChinchillaLaw& law, ComputePlan& plan) {
    if (!usable(law)) return false;
    plan = plan_for_flops(law, flops);
    return true;
  });
}

PlanIntervals plan_intervals_for_loss(const std::vector<ChinchillaLaw>& samples, double target_loss, double level) {
  return intervals(samples, level, [target_loss](const ChinchillaLaw& law, ComputePlan& plan) {
    if (!usable(law) || target_loss <= law.E) return false;
    plan = plan_for_loss(law, target_loss);
    return true;
  });
}

}  // namespace hone::scaling
