#pragma once
// Learning-rate schedules as pure functions of the step (0-based: step s is the (s+1)-th update).
// Every kind warms up linearly from peak_lr / warmup_steps to peak_lr over the first warmup_steps steps,
// then:
//   constant      peak_lr
//   cosine        half a cosine from peak_lr down to min_ratio * peak_lr at total_steps, then flat
//   linear        a straight line from peak_lr down to min_ratio * peak_lr at total_steps, then flat
//   inverse_sqrt  peak_lr * sqrt(warmup_steps / t), t = step + 1 (T5's "rsqrt" decay; with
//                 warmup_steps 0 it is peak_lr / sqrt(t))
// The schedule is stored in a checkpoint's trainer state (to_json / schedule_from_json), so a resumed
// run continues on the same curve.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace hone {

enum class ScheduleKind { Constant, Cosine, Linear, InverseSqrt };

std::string to_string(ScheduleKind kind);
// "constant", "cosine", "linear", "inverse_sqrt"; anything else is a usage error listing those.
ScheduleKind parse_schedule_kind(const std::string& name);

struct LearningRateSchedule {
  ScheduleKind kind = ScheduleKind::Cosine;
  double peak_lr = 3e-4;
  int64_t warmup_steps = 0;
  int64_t total_steps = 1;  // end of the cosine / linear decay
  double min_ratio = 0.1;   // floor of the cosine / linear decay, as a fraction of peak_lr

  double at(int64_t step) const;
  bool operator==(const LearningRateSchedule&) const = default;
};

nlohmann::json to_json(const LearningRateSchedule& schedule);
// Throws hone::Error naming a missing or malformed field.
LearningRateSchedule schedule_from_json(const nlohmann::json& json);

// The demo's schedule (linear warmup, cosine decay): LearningRateSchedule with kind Cosine.
struct WarmupCosineSchedule {
  double peak_lr = 1e-3;
  int64_t warmup_steps = 0;  // linear from 0 to peak_lr
  int64_t total_steps = 1;   // cosine from peak_lr down to min_ratio * peak_lr at total_steps
  double min_ratio = 0.1;

  double at(int64_t step) const;
};

}  // namespace hone
