#pragma once
// Summaries of bootstrap samples: standard error (sample standard deviation) and a percentile interval.
#include <cstddef>
#include <vector>

namespace hone::scaling {

struct SampleSummary {
  double standard_error = 0;
  double low = 0;   // the (1 - level) / 2 percentile
  double high = 0;  // the (1 + level) / 2 percentile
  size_t count = 0;       // finite samples the summary is computed from
  size_t non_finite = 0;  // samples that diverged (inf or NaN, e.g. A = exp(a) overflowing), left out
};

// Percentile q in [0, 1] with linear interpolation between order statistics (numpy's default).
double percentile(std::vector<double> values, double q);
// Non-finite samples are counted and left out; fewer than 2 finite ones give an infinite standard error
// and an interval of (-inf, inf), so that a degenerate fit never prints NaN.
SampleSummary summarize_samples(const std::vector<double>& values, double level = 0.95);

}  // namespace hone::scaling
