// Unique sentinels per span (ids vocab - 1 - k) and what happens when spans outnumber them.
#include <gtest/gtest.h>

#include "core/error.h"
#include "objectives/sentinels.h"

namespace hone::objectives {
namespace {

TEST(Sentinels, ExactVectorFromT5) {
  const std::vector<int32_t> tokens{10, 11, 12, 13, 14, 15};
  const std::vector<uint8_t> mask{1, 1, 0, 0, 1, 0};
  const SentinelOptions options{1000, 100, SentinelOverflow::Error};
  EXPECT_EQ(noise_span_to_unique_sentinel(tokens, mask, options), (std::vector<int32_t>{999, 12, 13, 998, 15}));
  EXPECT_EQ(nonnoise_span_to_unique_sentinel(tokens, mask, options), (std::vector<int32_t>{10, 11, 999, 14, 998}));
}

TEST(Sentinels, TooManySpansFailByDefault) {
  // Three noise spans but only two sentinels.
  const std::vector<int32_t> tokens{1, 2, 3, 4, 5, 6};
  const std::vector<uint8_t> mask{1, 0, 1, 0, 1, 0};
  const SentinelOptions strict{50, 2, SentinelOverflow::Error};
  try {
    noise_span_to_unique_sentinel(tokens, mask, strict);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sentinel"), std::string::npos) << e.what();
  }
}

TEST(Sentinels, WrapReusesSentinelsNeverOrdinaryIds) {
  const std::vector<int32_t> tokens{1, 2, 3, 4, 5, 6};
  const std::vector<uint8_t> mask{1, 0, 1, 0, 1, 0};
  const SentinelOptions wrap{50, 2, SentinelOverflow::Wrap};
  EXPECT_EQ(noise_span_to_unique_sentinel(tokens, mask, wrap), (std::vector<int32_t>{49, 2, 48, 4, 49, 6}));
  EXPECT_EQ(nonnoise_span_to_unique_sentinel(tokens, mask, wrap), (std::vector<int32_t>{1, 49, 3, 48, 5, 49}));
}

TEST(Sentinels, MismatchedMaskIsAnError) {
  EXPECT_THROW(noise_span_to_unique_sentinel({1, 2, 3}, {1, 0}, SentinelOptions{}), Error);
  EXPECT_THROW(sentinel_id(0, SentinelOptions{10, 20, SentinelOverflow::Error}), Error);
}

}  // namespace
}  // namespace hone::objectives
