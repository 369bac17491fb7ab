#include "scaling/chinchilla_bootstrap.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/rng.h"

namespace hone::scaling {
namespace {

bool same_optimum(const RawParameters& x, const RawParameters& y) {
  for (size_t k = 0; k < x.size(); ++k)
    if (std::abs(x[k] - y[k]) > 1e-3) return false;
  return true;
}

// The full-data optimum, then grid starts: first those whose optima differ from every one already
// chosen (best first), then, if the fit found fewer distinct optima, the next best starts.
std::vector<RawParameters> refit_starts(const ChinchillaFit& fit, size_t grid_restarts) {
  std::vector<RawParameters> starts{fit.raw};
  std::vector<RawParameters> optima{fit.raw};
  std::vector<bool> used(fit.grid_results.size(), false);
  for (size_t i = 0; i < fit.grid_results.size() && starts.size() <= grid_restarts; ++i) {
    const LocalFit& local = fit.grid_results[i];
    if (!std::isfinite(local.objective)) break;
    bool seen = std::any_of(optima.begin(), optima.end(), [&](const RawParameters& o) { return same_optimum(o, local.optimum); });
    if (seen && i > 0) continue;
    starts.push_back(local.start);
    optima.push_back(local.optimum);
    used[i] = true;
  }
  for (size_t i = 0; i < fit.grid_results.size() && starts.size() <= grid_restarts; ++i)
    if (!used[i] && std::isfinite(fit.grid_results[i].objective)) starts.push_back(fit.grid_results[i].start);
  return starts;
}

std::vector<double> component(const std::vector<ChinchillaLaw>& samples, double ChinchillaLaw::*field) {
  std::vector<double> values;
  values.reserve(samples.size());
  for (const ChinchillaLaw& law : samples) values.push_back(law.*field);
  return values;
}

}  // namespace

SampleSummary ChinchillaBootstrap::E() const { return summarize_samples(component(samples, &ChinchillaLaw::E)); }
SampleSummary ChinchillaBootstrap::A() const { return summarize_samples(component(samples, &ChinchillaLaw::A)); }
SampleSummary ChinchillaBootstrap::B() const { return summarize_samples(component(samples, &ChinchillaLaw::B)); }
SampleSummary ChinchillaBootstrap::alpha() const { return summarize_samples(component(samples, &ChinchillaLaw::alpha)); }
SampleSummary ChinchillaBootstrap::beta() const { return summarize_samples(component(samples, &ChinchillaLaw::beta)); }

ChinchillaBootstrap bootstrap_chinchilla_law(const std::vector<ScalingPoint>& points, const ChinchillaFit& full_fit,
                                             const BootstrapOptions& options) {
  HONE_CHECK(options.resamples >= 2, "the bootstrap needs at least 2 resamples, got ", options.resamples);
  HONE_CHECK(full_fit.points == points.size(), "the bootstrap must use the points the full fit used (", full_fit.points,
             "), got ", points.size());
  const std::vector<RawParameters> starts = refit_starts(full_fit, options.grid_restarts);
  const size_t n = points.size();

  ChinchillaBootstrap result;
  result.samples.resize(options.resamples);
  result.grid_restarts = starts.size() - 1;
  result.seed = options.seed;
#pragma omp parallel for schedule(dynamic)
  for (size_t r = 0; r < options.resamples; ++r) {
    // Resampling with replacement is a weighting: each point counts as often as it was drawn.
    std::vector<double> weights(n, 0.0);
    for (size_t j = 0; j < n; ++j) {
      uint64_t draw = random_u32(options.seed, r, j);
      weights[(draw * n) >> 32] += 1;  // multiply-shift: uniform over [0, n) without a modulo
    }
    HuberLogLossObjective objective(points, std::move(weights), options.huber_delta);
    LocalFit best;
    best.objective = INFINITY;
    for (const RawParameters& start : starts) {
      LocalFit local = minimise_from(objective, start, options.max_iterations);
      if (local.objective < best.objective) best = local;
    }
    result.samples[r] = law_from_raw(best.optimum);
  }
  return result;
}

}  // namespace hone::scaling
