#pragma once
// Learning-rate schedules as pure functions of the step (0-based).
#include <cstdint>

namespace hone {

struct WarmupCosineSchedule {
  double peak_lr = 1e-3;
  int64_t warmup_steps = 0;  // linear from 0 to peak_lr
  int64_t total_steps = 1;   // cosine from peak_lr down to min_ratio * peak_lr at total_steps
  double min_ratio = 0.1;

  double at(int64_t step) const;
};

}  // namespace hone
