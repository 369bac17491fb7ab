#include <gtest/gtest.h>

#include <cmath>

#include "attention/attention_cases.h"
#include "backend/rope.h"
#include "nn/rope.h"
#include "support/gradcheck.h"
#include "support/tensor_testing.h"

namespace hone::testing {
namespace {

// Packed positions: the second sequence of batch row 0 restarts at 0.
Tensor packed_positions(int64_t batch, int64_t length) {
  std::vector<int32_t> p;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < length; ++t) p.push_back(static_cast<int32_t>(b == 0 && t >= 3 ? t - 3 : t + 5 * b));
  return int_tensor({batch, length}, p);
}

TEST(Rope, RotatesPairsByPositionTimesFrequency) {
  RotaryEmbedding rope(4, 100.0);
  Arena arena;
  Tensor x = Tensor::zeros({1, 1, 4}, DType::F64);
  x.data<double>()[0] = 1.0;  // pair (0, 2), frequency 1
  x.data<double>()[1] = 1.0;  // pair (1, 3), frequency 100^(-1/2) = 0.1
  Tensor y = rope.forward(arena, x, int_tensor({1, 1}, {3}));
  const double* py = y.data<double>();
  EXPECT_NEAR(py[0], std::cos(3.0), 1e-15);
  EXPECT_NEAR(py[2], std::sin(3.0), 1e-15);
  EXPECT_NEAR(py[1], std::cos(0.3), 1e-15);
  EXPECT_NEAR(py[3], std::sin(0.3), 1e-15);
}

TEST(Rope, GradientMatchesFiniteDifferences) {
  RotaryEmbedding rope(6, 10000.0);
  Tensor x = random_tensor({2, 7, 12}, 1), probe = random_tensor({2, 7, 12}, 2);
  Tensor positions = packed_positions(2, 7);
  Arena arena;
  Tensor dx = rope.backward(arena, probe, positions);
  auto loss = [&] {
    Arena scratch;
    return dot(rope.forward(scratch, x, positions), probe);
  };
  check_gradients(loss, {{"x", x, dx}}, 1e-8);
}

TEST(Rope, MatchesPyTorch) {
  for (double theta : {10000.0, 500000.0}) {
    RotaryEmbedding rope(16, theta);
    Tensor x = random_tensor({2, 40, 64}, 3, DType::F32), probe = random_tensor({2, 40, 64}, 4, DType::F32);
    Tensor positions = random_ints({2, 40}, 5, 2048);
    Arena arena;
    Tensor y = rope.forward(arena, x, positions), dx = rope.backward(arena, probe, positions);
    TensorMap ref = torch_reference("attention", "rope", {{"x", x}, {"d_y", probe}, {"positions", positions}},
                                    {{"head_dim", 16}, {"theta", theta}});
    EXPECT_LE(max_relative_error(y, ref.at("y")), 1e-5) << "theta " << theta;
    EXPECT_LE(max_relative_error(dx, ref.at("dx")), 1e-4) << "theta " << theta;
  }
}

TEST(Rope, BadInputGivesClearErrors) {
  EXPECT_THROW(RotaryEmbedding(5), Error);
  RotaryEmbedding rope(4);
  Arena arena;
  EXPECT_THROW(rope.forward(arena, Tensor::zeros({1, 3, 6}), int_tensor({1, 3}, {0, 1, 2})), Error);
  EXPECT_THROW(rope.forward(arena, Tensor::zeros({1, 3, 8}), int_tensor({1, 2}, {0, 1})), Error);
}

}  // namespace
}  // namespace hone::testing
