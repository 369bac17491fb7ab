// Philox4x32-10 against the Random123 known-answer vectors, and the properties the rest of hone relies
// on: a pure function of (seed, stream, index), uniform values in [0, 1).
#include "core/rng.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <set>

namespace hone {
namespace {

// Our block(key, stream, block_index) packs Random123's counter words as c0,c1 = block_index lo/hi and
// c2,c3 = stream lo/hi, and the key words as k0,k1 = key lo/hi.
std::array<uint32_t, 4> random123_philox(std::array<uint32_t, 4> counter, std::array<uint32_t, 2> key) {
  auto pack = [](uint32_t lo, uint32_t hi) { return static_cast<uint64_t>(hi) << 32 | lo; };
  return Philox::block(pack(key[0], key[1]), pack(counter[2], counter[3]), pack(counter[0], counter[1]));
}

// Random123 tests/kat_vectors, "philox4x32 10" lines (counter words, key words, expected output).
TEST(Philox, MatchesRandom123KnownAnswers) {
  EXPECT_EQ(random123_philox({0, 0, 0, 0}, {0, 0}),
            (std::array<uint32_t, 4>{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(random123_philox({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}),
            (std::array<uint32_t, 4>{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(random123_philox({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}),
            (std::array<uint32_t, 4>{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

TEST(Philox, ElementsAreWordsOfBlocks) {
  for (uint64_t i = 0; i < 64; ++i) EXPECT_EQ(random_u32(7, 3, i), Philox::block(7, 3, i / 4)[i % 4]);
  // Large indices use the high counter word.
  EXPECT_EQ(random_u32(7, 3, (uint64_t{1} << 40) + 1), Philox::block(7, 3, uint64_t{1} << 38)[1]);
  EXPECT_NE(Philox::block(7, 3, uint64_t{1} << 38), Philox::block(7, 3, 0));
}

TEST(Philox, SeedsAndStreamsGiveDifferentSequences) {
  std::set<uint32_t> seen;
  for (uint64_t seed = 0; seed < 4; ++seed)
    for (uint64_t stream = 0; stream < 4; ++stream)
      for (uint64_t i = 0; i < 16; ++i) seen.insert(random_u32(seed, stream, i));
  EXPECT_EQ(seen.size(), 4u * 4u * 16u);  // no collisions among 256 draws (a collision is ~1e-5 likely)
  EXPECT_EQ(random_u32(1, 2, 3), random_u32(1, 2, 3));
}

TEST(Philox, UniformIsInUnitIntervalWithTheRightMoments) {
  constexpr int kCount = 200000;
  double sum = 0, sum_squares = 0;
  float smallest = 1, largest = 0;
  int buckets[10] = {};
  for (int i = 0; i < kCount; ++i) {
    float u = random_uniform(42, 0, static_cast<uint64_t>(i));
    ASSERT_GE(u, 0.0f);
    ASSERT_LT(u, 1.0f);
    // 24 random bits: exact multiples of 2^-24.
    ASSERT_EQ(u * 16777216.0f, std::floor(u * 16777216.0f));
    sum += u;
    sum_squares += static_cast<double>(u) * u;
    smallest = std::min(smallest, u);
    largest = std::max(largest, u);
    ++buckets[static_cast<int>(u * 10)];
  }
  double mean = sum / kCount, variance = sum_squares / kCount - mean * mean;
  EXPECT_NEAR(mean, 0.5, 0.005);             // standard error ~0.00065
  EXPECT_NEAR(variance, 1.0 / 12.0, 0.002);
  EXPECT_LT(smallest, 1e-4f);
  EXPECT_GT(largest, 1 - 1e-4f);
  for (int count : buckets) EXPECT_NEAR(count, kCount / 10, 600);  // ~4.5 sigma
}

TEST(Philox, NormalHasZeroMeanUnitVariance) {
  constexpr int kCount = 100000;
  double sum = 0, sum_squares = 0;
  for (int i = 0; i < kCount; ++i) {
    double z = random_normal(9, 1, static_cast<uint64_t>(i));
    ASSERT_TRUE(std::isfinite(z));
    sum += z;
    sum_squares += z * z;
  }
  EXPECT_NEAR(sum / kCount, 0.0, 0.015);
  EXPECT_NEAR(sum_squares / kCount, 1.0, 0.02);
  EXPECT_EQ(random_normal(9, 1, 5), random_normal(9, 1, 5));
}

}  // namespace
}  // namespace hone
