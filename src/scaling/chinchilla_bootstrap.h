#pragma once
// Bootstrap uncertainty for the approach-3 fit: resample the points with replacement, refit, and
// summarise the spread of each parameter. A refit does NOT rerun the whole 4500-point grid: it starts
// from the full-data optimum and from the grid starts that led to the best few distinct local optima
// of the full-data fit, and keeps the best. That is ~5 L-BFGS runs instead of 4500 per resample, and
// a resample rarely moves the optimum far from the full-data one.
#include <cstdint>
#include <vector>

#include "scaling/chinchilla_fit.h"
#include "scaling/sample_summary.h"

namespace hone::scaling {

struct BootstrapOptions {
  size_t resamples = 4000;
  uint64_t seed = 0;
  size_t grid_restarts = 4;  // grid starts per refit, besides the full-data optimum
  double huber_delta = 1e-3;
  int max_iterations = 2000;
};

struct ChinchillaBootstrap {
  std::vector<ChinchillaLaw> samples;  // one refit per resample, in resample order
  size_t grid_restarts = 0;
  uint64_t seed = 0;

  SampleSummary E() const;
  SampleSummary A() const;
  SampleSummary B() const;
  SampleSummary alpha() const;
  SampleSummary beta() const;
};

// Parallel over resamples (OpenMP); resample r draws its points from Philox stream r under seed, so
// the samples are the same for any thread count.
ChinchillaBootstrap bootstrap_chinchilla_law(const std::vector<ScalingPoint>& points, const ChinchillaFit& full_fit,
                                             const BootstrapOptions& options = {});

}  // namespace hone::scaling
