// The PyTorch reference bridge itself: tensors of several dtypes survive the round trip, config
// arrives, and a failing reference is reported as an error rather than a hang or crash.
#include <gtest/gtest.h>

#include "support/tensor_testing.h"
#include "support/torch_reference.h"

namespace hone {
namespace {

TEST(TorchBridge, RoundTripsTensorsAndConfig) {
  Tensor f = testing::random_tensor({3, 4}, 1, DType::F32);
  Tensor d = testing::random_tensor({2}, 2, DType::F64);
  Tensor bf = testing::random_tensor({5}, 3, DType::BF16);
  auto out = testing::torch_reference("selftest", "echo_scaled", {{"f", f}, {"d", d}, {"bf", bf}}, {{"factor", 2}});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out.at("f").dtype(), DType::F32);
  EXPECT_EQ(out.at("bf").dtype(), DType::BF16);
  EXPECT_EQ(out.at("f").shape(), (Shape{3, 4}));
  for (int64_t i = 0; i < 12; ++i) EXPECT_EQ(testing::element(out.at("f"), i), 2 * testing::element(f, i));
  for (int64_t i = 0; i < 5; ++i) EXPECT_EQ(testing::element(out.at("bf"), i), 2 * testing::element(bf, i));
}

TEST(TorchBridge, ReferenceFailureIsAnError) {
  try {
    testing::torch_reference("selftest", "fail", {{"x", Tensor::zeros({1})}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("deliberate failure"), std::string::npos) << e.what();
  }
  // The process survives a failed call.
  auto out = testing::torch_reference("selftest", "echo_scaled", {{"x", Tensor::zeros({1})}}, {{"factor", 1}});
  EXPECT_EQ(out.size(), 1u);
}

}  // namespace
}  // namespace hone
