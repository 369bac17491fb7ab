#include "train/schedule.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include "core/error.h"

namespace hone {
namespace {

constexpr std::array<std::pair<const char*, ScheduleKind>, 4> kKindNames{{{"constant", ScheduleKind::Constant},
                                                                         {"cosine", ScheduleKind::Cosine},
                                                                         {"linear", ScheduleKind::Linear},
                                                                         {"inverse_sqrt", ScheduleKind::InverseSqrt}}};

// Fraction of the decay done at step (0 at the end of warmup, 1 at total_steps and after).
double decay_progress(int64_t step, int64_t warmup_steps, int64_t total_steps) {
  const int64_t decay_steps = std::max<int64_t>(1, total_steps - warmup_steps);
  return std::min(1.0, static_cast<double>(step - warmup_steps) / static_cast<double>(decay_steps));
}

}  // namespace

std::string to_string(ScheduleKind kind) {
  for (const auto& [name, value] : kKindNames)
    if (value == kind) return name;
  return "unknown";
}

ScheduleKind parse_schedule_kind(const std::string& name) {
  for (const auto& [n, value] : kKindNames)
    if (name == n) return value;
  fail_usage("unknown schedule kind '", name, "': use constant, cosine, linear or inverse_sqrt");
}

double LearningRateSchedule::at(int64_t step) const {
  if (step < warmup_steps) return peak_lr * static_cast<double>(step + 1) / static_cast<double>(warmup_steps);
  switch (kind) {
    case ScheduleKind::Constant:
      return peak_lr;
    case ScheduleKind::Cosine: {
      const double cosine = 0.5 * (1.0 + std::cos(3.141592653589793 * decay_progress(step, warmup_steps, total_steps)));
      return peak_lr * (min_ratio + (1.0 - min_ratio) * cosine);
    }
    case ScheduleKind::Linear:
      return peak_lr * (1.0 - (1.0 - min_ratio) * decay_progress(step, warmup_steps, total_steps));
    case ScheduleKind::InverseSqrt:
      return peak_lr * std::sqrt(static_cast<double>(std::max<int64_t>(warmup_steps, 1)) / static_cast<double>(step + 1));
  }
  return peak_lr;
}

nlohmann::json to_json(const LearningRateSchedule& s) {
  return {{"kind", to_string(s.kind)},
          {"peak_lr", s.peak_lr},
          {"warmup_steps", s.warmup_steps},
          {"total_steps", s.total_steps},
          {"min_ratio", s.min_ratio}};
}

LearningRateSchedule schedule_from_json(const nlohmann::json& json) {
  LearningRateSchedule s;
  try {
    s.kind = parse_schedule_kind(json.at("kind").get<std::string>());
    s.peak_lr = json.at("peak_lr").get<double>();
    s.warmup_steps = json.at("warmup_steps").get<int64_t>();
    s.total_steps = json.at("total_steps").get<int64_t>();
    s.min_ratio = json.at("min_ratio").get<double>();
  } catch (const nlohmann::json::exception& e) {
    fail("the saved learning-rate schedule is malformed: ", e.what());
  }
  return s;
}

double WarmupCosineSchedule::at(int64_t step) const {
  return LearningRateSchedule{ScheduleKind::Cosine, peak_lr, warmup_steps, total_steps, min_ratio}.at(step);
}

}  // namespace hone
