#include "scaling/sample_summary.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"

namespace hone::scaling {

double percentile(std::vector<double> values, double q) {
  HONE_CHECK(!values.empty(), "a percentile needs at least one sample");
  HONE_CHECK(q >= 0 && q <= 1, "percentile level must be in [0, 1], got ", q);
  std::sort(values.begin(), values.end());
  double position = q * static_cast<double>(values.size() - 1);
  size_t below = static_cast<size_t>(std::floor(position));
  size_t above = std::min(below + 1, values.size() - 1);
  double fraction = position - static_cast<double>(below);
  return values[below] + fraction * (values[above] - values[below]);
}

SampleSummary summarize_samples(const std::vector<double>& all_values, double level) {
  HONE_CHECK(all_values.size() >= 2, "a standard error needs at least 2 samples, got ", all_values.size());
  HONE_CHECK(level > 0 && level < 1, "the interval level must be in (0, 1), got ", level);
  std::vector<double> values;
  for (double v : all_values)
    if (std::isfinite(v)) values.push_back(v);
  SampleSummary summary;
  summary.count = values.size();
  summary.non_finite = all_values.size() - values.size();
  if (values.size() < 2) {
    summary.standard_error = std::numeric_limits<double>::infinity();
    summary.low = -std::numeric_limits<double>::infinity();
    summary.high = std::numeric_limits<double>::infinity();
    return summary;
  }
  double mean = 0;
  for (double v : values) mean += v;
  mean /= static_cast<double>(values.size());
  double squares = 0;
  for (double v : values) squares += (v - mean) * (v - mean);
  summary.standard_error = std::sqrt(squares / static_cast<double>(values.size() - 1));
  summary.low = percentile(values, (1 - level) / 2);
  summary.high = percentile(values, (1 + level) / 2);
  return summary;
}

}  // namespace hone::scaling
