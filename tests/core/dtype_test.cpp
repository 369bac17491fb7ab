// dtype table and the bf16 / f16 conversions: round to nearest even, infinities, NaN.
#include "core/dtype.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>

namespace hone {
namespace {

float from_bits(uint32_t bits) { return std::bit_cast<float>(bits); }

TEST(DType, NamesSizesAndParsing) {
  EXPECT_EQ(dtype_size(DType::F64), 8u);
  EXPECT_EQ(dtype_size(DType::BF16), 2u);
  EXPECT_EQ(dtype_size(DType::F8_E5M2), 1u);
  EXPECT_EQ(dtype_size(DType::U32), 4u);
  EXPECT_EQ(dtype_size(DType::Bool), 1u);
  EXPECT_EQ(dtype_name(DType::Bool), "BOOL");
  EXPECT_EQ(dtype_name(DType::F8_E4M3), "F8_E4M3");
  for (int i = 0; i <= static_cast<int>(DType::Bool); ++i) {
    DType dtype = static_cast<DType>(i), parsed;
    ASSERT_TRUE(parse_dtype(dtype_name(dtype), &parsed));
    EXPECT_EQ(parsed, dtype);
  }
  DType unused;
  EXPECT_FALSE(parse_dtype("f32", &unused));
  EXPECT_FALSE(parse_dtype("", &unused));
  EXPECT_TRUE(is_floating(DType::BF16));
  EXPECT_FALSE(is_floating(DType::I64));
}

TEST(BFloat16, RoundsToNearestEven) {
  EXPECT_EQ(float_to_bf16(1.0f), 0x3F80);
  EXPECT_EQ(float_to_bf16(-2.0f), 0xC000);
  EXPECT_EQ(float_to_bf16(from_bits(0x3F808000)), 0x3F80);  // halfway, lower is even: down
  EXPECT_EQ(float_to_bf16(from_bits(0x3F818000)), 0x3F82);  // halfway, lower is odd: up
  EXPECT_EQ(float_to_bf16(from_bits(0x3F808001)), 0x3F81);  // above halfway: up
  EXPECT_EQ(float_to_bf16(from_bits(0x3F807FFF)), 0x3F80);  // below halfway: down
  EXPECT_EQ(float_to_bf16(from_bits(0x7F7FFFFF)), 0x7F80);  // max float rounds to +inf
  EXPECT_EQ(float_to_bf16(-0.0f), 0x8000);
  EXPECT_EQ(float_to_bf16(from_bits(0x00000001)), 0x0000);  // tiny subnormal rounds to zero
}

TEST(BFloat16, InfinityAndNaN) {
  EXPECT_EQ(float_to_bf16(std::numeric_limits<float>::infinity()), 0x7F80);
  EXPECT_EQ(float_to_bf16(-std::numeric_limits<float>::infinity()), 0xFF80);
  EXPECT_TRUE(std::isinf(bf16_to_float(0x7F80)));
  // NaNs stay NaN, including one whose payload lives only in the low 16 bits (would round to inf).
  for (uint32_t bits : {0x7FC00000u, 0x7F800001u, 0xFF800001u, 0x7FFFFFFFu}) {
    uint16_t h = float_to_bf16(from_bits(bits));
    EXPECT_TRUE(std::isnan(bf16_to_float(h))) << std::hex << bits;
    EXPECT_EQ(h & 0x8000, (bits >> 16) & 0x8000);  // sign kept
  }
}

TEST(BFloat16, EveryValueRoundTrips) {
  for (uint32_t bits = 0; bits <= 0xFFFF; ++bits) {
    float value = bf16_to_float(static_cast<uint16_t>(bits));
    EXPECT_EQ(std::bit_cast<uint32_t>(value), bits << 16);
    if (std::isnan(value))
      EXPECT_TRUE(std::isnan(bf16_to_float(float_to_bf16(value))));
    else
      ASSERT_EQ(float_to_bf16(value), bits) << std::hex << bits;
  }
}

TEST(Float16, RoundsToNearestEven) {
  EXPECT_EQ(float_to_f16(1.0f), 0x3C00);
  EXPECT_EQ(float_to_f16(-2.0f), 0xC000);
  EXPECT_EQ(float_to_f16(65504.0f), 0x7BFF);     // largest finite
  EXPECT_EQ(float_to_f16(65519.0f), 0x7BFF);     // below the halfway point to 65536: stays finite
  EXPECT_EQ(float_to_f16(65520.0f), 0x7C00);     // halfway, even side is infinity
  EXPECT_EQ(float_to_f16(2049.0f), 0x6800);      // halfway between 2048 and 2050: even (2048)
  EXPECT_EQ(float_to_f16(2051.0f), 0x6802);      // halfway between 2050 and 2052: even (2052)
  EXPECT_EQ(float_to_f16(std::ldexp(1.0f, -24)), 0x0001);         // smallest subnormal
  EXPECT_EQ(float_to_f16(std::ldexp(1.0f, -25)), 0x0000);         // half of it: ties to even zero
  EXPECT_EQ(float_to_f16(std::ldexp(1.5f, -25)), 0x0001);         // above half: up
  EXPECT_EQ(float_to_f16(std::ldexp(3.0f, -25)), 0x0002);         // 1.5 ulp: ties to even (2)
  EXPECT_EQ(float_to_f16(-0.0f), 0x8000);
  EXPECT_EQ(f16_to_float(0x3555), 0.333251953125f);
}

TEST(Float16, InfinityAndNaN) {
  EXPECT_EQ(float_to_f16(std::numeric_limits<float>::infinity()), 0x7C00);
  EXPECT_EQ(float_to_f16(-std::numeric_limits<float>::infinity()), 0xFC00);
  EXPECT_EQ(float_to_f16(1e10f), 0x7C00);
  EXPECT_TRUE(std::isinf(f16_to_float(0xFC00)));
  EXPECT_TRUE(std::isnan(f16_to_float(0x7E00)));
  EXPECT_TRUE(std::isnan(f16_to_float(0x7C01)));
  for (uint32_t bits : {0x7FC00000u, 0x7F800001u, 0xFFC00000u}) {
    uint16_t h = float_to_f16(from_bits(bits));
    EXPECT_TRUE(std::isnan(f16_to_float(h))) << std::hex << bits;
  }
}

TEST(Float16, EveryValueRoundTrips) {
  for (uint32_t bits = 0; bits <= 0xFFFF; ++bits) {
    float value = f16_to_float(static_cast<uint16_t>(bits));
    if (std::isnan(value))
      EXPECT_TRUE(std::isnan(f16_to_float(float_to_f16(value))));
    else
      ASSERT_EQ(float_to_f16(value), bits) << std::hex << bits;
  }
}

}  // namespace
}  // namespace hone
