#include "train/schedule.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"

namespace hone {
namespace {

LearningRateSchedule make(ScheduleKind kind) { return {kind, 1e-3, 10, 110, 0.1}; }

TEST(Schedule, WarmupIsLinearForEveryKind) {
  for (ScheduleKind kind : {ScheduleKind::Constant, ScheduleKind::Cosine, ScheduleKind::Linear, ScheduleKind::InverseSqrt}) {
    const LearningRateSchedule s = make(kind);
    EXPECT_DOUBLE_EQ(s.at(0), 1e-4) << to_string(kind);
    EXPECT_DOUBLE_EQ(s.at(4), 5e-4) << to_string(kind);
    EXPECT_DOUBLE_EQ(s.at(9), 1e-3) << to_string(kind);
  }
}

TEST(Schedule, ConstantStaysAtPeak) {
  const LearningRateSchedule s = make(ScheduleKind::Constant);
  EXPECT_DOUBLE_EQ(s.at(10), 1e-3);
  EXPECT_DOUBLE_EQ(s.at(100000), 1e-3);
}

TEST(Schedule, CosineHalfwayAndFloor) {
  const LearningRateSchedule s = make(ScheduleKind::Cosine);
  EXPECT_DOUBLE_EQ(s.at(10), 1e-3);
  // Half of the 100 decay steps: cos = 0, so 0.1 + 0.9 * 0.5 = 0.55 of peak.
  EXPECT_NEAR(s.at(60), 0.55e-3, 1e-15);
  // A quarter: 0.5 (1 + cos(pi/4)).
  EXPECT_NEAR(s.at(35), 1e-3 * (0.1 + 0.9 * 0.5 * (1 + std::cos(3.141592653589793 / 4))), 1e-15);
  EXPECT_NEAR(s.at(110), 1e-4, 1e-15);
  EXPECT_NEAR(s.at(5000), 1e-4, 1e-15);
}

TEST(Schedule, LinearDecaysToTheFloor) {
  const LearningRateSchedule s = make(ScheduleKind::Linear);
  EXPECT_NEAR(s.at(60), 0.55e-3, 1e-15);
  EXPECT_NEAR(s.at(85), 1e-3 * (1 - 0.9 * 0.75), 1e-15);
  EXPECT_NEAR(s.at(110), 1e-4, 1e-15);
  EXPECT_NEAR(s.at(1000), 1e-4, 1e-15);
}

TEST(Schedule, InverseSqrtIsT5Rsqrt) {
  const LearningRateSchedule s = make(ScheduleKind::InverseSqrt);
  EXPECT_NEAR(s.at(39), 1e-3 * std::sqrt(10.0 / 40.0), 1e-15);  // t = 40: half at 4x the warmup
  EXPECT_NEAR(s.at(999), 1e-3 * std::sqrt(10.0 / 1000.0), 1e-15);
  // T5: lr = 1/sqrt(max(t, 10^4)) is peak 1e-2 with 10^4 warmup; at t = 40,000 it is 5e-3.
  const LearningRateSchedule t5{ScheduleKind::InverseSqrt, 1e-2, 10000, 0, 0.0};
  EXPECT_NEAR(t5.at(39999), 5e-3, 1e-15);
  // No warmup: peak / sqrt(t).
  const LearningRateSchedule plain{ScheduleKind::InverseSqrt, 1.0, 0, 0, 0.0};
  EXPECT_DOUBLE_EQ(plain.at(0), 1.0);
  EXPECT_DOUBLE_EQ(plain.at(3), 0.5);
}

TEST(Schedule, JsonRoundTripAndBadKinds) {
  const LearningRateSchedule s{ScheduleKind::Linear, 2.5e-4, 7, 99, 0.25};
  const LearningRateSchedule back = schedule_from_json(to_json(s));
  EXPECT_EQ(back, s);
  EXPECT_EQ(to_json(s).at("kind"), "linear");
  try {
    parse_schedule_kind("rsqrt");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("inverse_sqrt"), std::string::npos) << e.what();
  }
  EXPECT_THROW(schedule_from_json(nlohmann::json{{"kind", "cosine"}}), Error);
}

TEST(Schedule, DemoScheduleIsTheCosineKind) {
  const WarmupCosineSchedule demo{1e-3, 10, 110, 0.1};
  for (int64_t step : {0, 5, 10, 60, 200}) EXPECT_DOUBLE_EQ(demo.at(step), make(ScheduleKind::Cosine).at(step));
}

}  // namespace
}  // namespace hone
