#pragma once
// Summaries of bootstrap samples: standard error (sample standard deviation) and a percentile interval.
#include <cstddef>
#include <vector>

namespace hone::scaling {

struct SampleSummary {
  double standard_error = 0;
  double low = 0;   // the (1 - level) / 2 percentile
  double high = 0;  // the (1 + level) / 2 percentile
  size_t count = 0;
};

// Percentile q in [0, 1] with linear interpolation between order statistics (numpy's default).
double percentile(std::vector<double> values, double q);
SampleSummary summarize_samples(const std::vector<double>& values, double level = 0.95);

}  // namespace hone::scaling
