#include "train/schedule.h"

#include <algorithm>
#include <cmath>

namespace hone {

double WarmupCosineSchedule::at(int64_t step) const {
  if (step < warmup_steps) return peak_lr * static_cast<double>(step + 1) / static_cast<double>(warmup_steps);
  const int64_t decay_steps = std::max<int64_t>(1, total_steps - warmup_steps);
  const double progress = std::min(1.0, static_cast<double>(step - warmup_steps) / static_cast<double>(decay_steps));
  const double cosine = 0.5 * (1.0 + std::cos(3.141592653589793 * progress));
  return peak_lr * (min_ratio + (1.0 - min_ratio) * cosine);
}

}  // namespace hone
