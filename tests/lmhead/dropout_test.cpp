#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "backend/dropout.h"
#include "core/rng.h"
#include "core/threads.h"
#include "nn/dropout.h"
#include "support/tensor_testing.h"

namespace hone {
namespace {

using testing::random_tensor;

// x in [1, 2): never zero, so a zero in the output marks a dropped element.
Tensor nonzero_input(int64_t n, uint64_t seed) { return random_tensor({n}, seed, DType::F32, 1.0, 2.0); }

TEST(Dropout, KeepRateAndScaleMatchP) {
  const int64_t n = 1 << 20;
  Tensor x = nonzero_input(n, 1), y = Tensor::empty({n});
  for (double p : {0.1, 0.5, 0.9}) {
    dropout_forward(x, y, p, 42, 3);
    int64_t kept = 0;
    const float scale = static_cast<float>(1.0 / (1.0 - p));
    for (int64_t i = 0; i < n; ++i) {
      const float v = y.data<float>()[i];
      if (v != 0.0f) {
        ++kept;
        ASSERT_EQ(v, x.data<float>()[i] * scale) << "element " << i;
      }
    }
    const double rate = static_cast<double>(kept) / n, sigma = std::sqrt(p * (1 - p) / n);
    EXPECT_NEAR(rate, 1 - p, 5 * sigma) << "p = " << p;
  }
}

TEST(Dropout, MaskIsTheDocumentedFunctionOfSeedStreamAndIndex) {
  const int64_t n = 10001;  // not a multiple of 4: the last Philox block is partial
  Tensor x = nonzero_input(n, 2), y = Tensor::empty({n});
  const double p = 0.37;
  dropout_forward(x, y, p, 7, 11);
  for (int64_t i = 0; i < n; ++i) {
    const bool keep = random_uniform(7, 11, static_cast<uint64_t>(i)) >= p;
    ASSERT_EQ(y.data<float>()[i] != 0.0f, keep) << "element " << i;
  }
}

TEST(Dropout, MaskDoesNotDependOnThreadCount) {
  const int64_t n = 300001;
  Tensor x = nonzero_input(n, 3), y1 = Tensor::empty({n}), y2 = Tensor::empty({n});
  const int saved = num_threads();
  set_num_threads(1);
  dropout_forward(x, y1, 0.25, 5, 1);
  set_num_threads(2);
  dropout_forward(x, y2, 0.25, 5, 1);
  set_num_threads(saved);
  EXPECT_EQ(std::memcmp(y1.raw_data(), y2.raw_data(), y1.nbytes()), 0);
}

TEST(Dropout, StreamsAndSeedsGiveDifferentMasks) {
  const int64_t n = 4096;
  Tensor x = nonzero_input(n, 4), a = Tensor::empty({n}), b = Tensor::empty({n}), c = Tensor::empty({n});
  dropout_forward(x, a, 0.5, 1, 0);
  dropout_forward(x, b, 0.5, 1, 1);
  dropout_forward(x, c, 0.5, 2, 0);
  int64_t differ_stream = 0, differ_seed = 0;
  for (int64_t i = 0; i < n; ++i) {
    differ_stream += (a.data<float>()[i] == 0) != (b.data<float>()[i] == 0);
    differ_seed += (a.data<float>()[i] == 0) != (c.data<float>()[i] == 0);
  }
  // Independent masks at p = 0.5 differ in about half the positions.
  EXPECT_GT(differ_stream, n / 3);
  EXPECT_GT(differ_seed, n / 3);
}

TEST(Dropout, BackwardIsMaskTimesScaleTimesGradient) {
  const int64_t n = 5000;
  Tensor x = nonzero_input(n, 5), dy = random_tensor({n}, 6, DType::F64), y = Tensor::empty({n}, DType::F64);
  Tensor x64 = Tensor::empty({n}, DType::F64);
  for (int64_t i = 0; i < n; ++i) x64.data<double>()[i] = x.data<float>()[i];
  const double p = 0.2;
  Dropout dropout(p);
  Arena arena;
  y = dropout.forward(arena, x64, 9, 4, true);
  Tensor dx = dropout.backward(arena, dy, 9, 4, true);
  for (int64_t i = 0; i < n; ++i) {
    const bool kept = y.data<double>()[i] != 0.0;
    const double expected = kept ? dy.data<double>()[i] / (1 - p) : 0.0;
    ASSERT_EQ(dx.data<double>()[i], expected) << "element " << i;
  }
  // In place works too (dx aliasing dy).
  Tensor inplace = random_tensor({n}, 6, DType::F64);
  dropout_backward(inplace, inplace, p, 9, 4);
  EXPECT_EQ(std::memcmp(inplace.raw_data(), dx.raw_data(), dx.nbytes()), 0);
}

TEST(Dropout, EvalAndZeroProbabilityAreTheIdentity) {
  Tensor x = nonzero_input(100, 7);
  Arena arena;
  Dropout dropout(0.5);
  Tensor y = dropout.forward(arena, x, 1, 1, /*training=*/false);
  EXPECT_EQ(y.raw_data(), x.raw_data());
  Tensor z = Tensor::empty({100});
  dropout_forward(x, z, 0.0, 1, 1);
  EXPECT_EQ(std::memcmp(z.raw_data(), x.raw_data(), x.nbytes()), 0);
}

TEST(Dropout, RejectsBadInput) {
  Tensor x = Tensor::zeros({8}), y = Tensor::empty({8});
  for (double p : {-0.1, 1.0, 1.5, std::nan("")}) {
    EXPECT_THROW(dropout_forward(x, y, p, 1, 1), Error) << p;
    EXPECT_THROW(Dropout{p}, Error) << p;
  }
  try {
    Dropout bad(1.0);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[0, 1)"), std::string::npos) << e.what();
  }
  EXPECT_THROW(dropout_forward(x, Tensor::empty({9}), 0.5, 1, 1), Error);
  EXPECT_THROW(dropout_forward(x, Tensor::empty({8}, DType::F64), 0.5, 1, 1), Error);
}

}  // namespace
}  // namespace hone
