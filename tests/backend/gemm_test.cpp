#include <gtest/gtest.h>

#include "backend/elementwise.h"
#include "backend/gemm.h"
#include "core/threads.h"
#include "support/tensor_testing.h"
#include "support/torch_reference.h"

namespace hone {
namespace {

using testing::max_relative_error;
using testing::random_tensor;

// c = alpha * op(a) op(b) + beta * c by plain loops in double.
Tensor naive_gemm(const Tensor& a, Trans ta, const Tensor& b, Trans tb, const Tensor& c, double alpha, double beta) {
  Tensor a64 = clone_as(a, DType::F64), b64 = clone_as(b, DType::F64), out = clone_as(c, DType::F64);
  int64_t m = out.size(0), n = out.size(1), k = ta == Trans::No ? a.size(1) : a.size(0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double s = 0;
      for (int64_t p = 0; p < k; ++p) {
        double x = ta == Trans::No ? a64.data<double>()[i * a.size(1) + p] : a64.data<double>()[p * a.size(1) + i];
        double y = tb == Trans::No ? b64.data<double>()[p * b.size(1) + j] : b64.data<double>()[j * b.size(1) + p];
        s += x * y;
      }
      out.data<double>()[i * n + j] = alpha * s + beta * out.data<double>()[i * n + j];
    }
  return out;
}

class GemmTransposes : public ::testing::TestWithParam<std::tuple<bool, bool, DType>> {};

TEST_P(GemmTransposes, MatchesNaiveLoops) {
  auto [ta_flag, tb_flag, dtype] = GetParam();
  Trans ta = ta_flag ? Trans::Yes : Trans::No, tb = tb_flag ? Trans::Yes : Trans::No;
  const int64_t m = 37, n = 29, k = 41;
  Tensor a = random_tensor(ta_flag ? Shape{k, m} : Shape{m, k}, 1, dtype);
  Tensor b = random_tensor(tb_flag ? Shape{n, k} : Shape{k, n}, 2, dtype);
  Tensor c = random_tensor({m, n}, 3, dtype);
  Tensor expected = naive_gemm(a, ta, b, tb, c, 0.5, 2.0);
  gemm(a, ta, b, tb, c, 0.5, 2.0);
  EXPECT_LT(max_relative_error(c, expected), dtype == DType::F64 ? 1e-13 : 1e-6);
}

INSTANTIATE_TEST_SUITE_P(AllTransposes, GemmTransposes,
                         ::testing::Combine(::testing::Bool(), ::testing::Bool(),
                                            ::testing::Values(DType::F32, DType::F64)));

TEST(Gemm, StridedSlicesUseLeadingDimension) {
  // Columns 8..24 of a [16, 40] matrix times a [16, 12] matrix, written into a slice of a wider output.
  Tensor wide = random_tensor({16, 40}, 4, DType::F32);
  Tensor a = wide.slice(1, 8, 24);
  Tensor b = random_tensor({16, 12}, 5, DType::F32);
  Tensor out = Tensor::zeros({16, 30});
  Tensor c = out.slice(1, 10, 22);
  gemm(a, Trans::No, b, Trans::No, c);
  Tensor expected = naive_gemm(clone(a), Trans::No, b, Trans::No, Tensor::zeros({16, 12}), 1.0, 0.0);
  EXPECT_LT(max_relative_error(clone(c), expected), 1e-6);
  EXPECT_EQ(out.data<float>()[9], 0.0f);  // outside the slice untouched
  EXPECT_EQ(out.data<float>()[22], 0.0f);
}

TEST(Gemm, BatchedWithBroadcastMatchesPerBatch) {
  for (int64_t size : {8, 96}) {  // small: one matrix per thread; large: BLAS threading
    Tensor a = random_tensor({5, size, size + 3}, 6, DType::F32);
    Tensor b1 = random_tensor({1, size, size + 3}, 7, DType::F32);
    Tensor c = Tensor::zeros({5, size, size});
    gemm_batched(a, Trans::No, b1, Trans::Yes, c);
    for (int64_t i = 0; i < 5; ++i) {
      Tensor expected = naive_gemm(clone(a.select(0, i)), Trans::No, clone(b1.select(0, 0)), Trans::Yes,
                                   Tensor::zeros({size, size}), 1.0, 0.0);
      EXPECT_LT(max_relative_error(clone(c.select(0, i)), expected), 1e-5) << "batch " << i << " size " << size;
    }
  }
}

TEST(Gemm, ShapeMismatchIsAClearError) {
  Tensor a = Tensor::zeros({3, 4}), b = Tensor::zeros({5, 6}), c = Tensor::zeros({3, 6});
  try {
    gemm(a, Trans::No, b, Trans::No, c);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("do not chain"), std::string::npos) << e.what();
  }
  Tensor d = Tensor::zeros({4, 6}, DType::F64);
  EXPECT_THROW(gemm(a, Trans::No, d, Trans::No, c), Error);  // mixed dtypes
}

TEST(Gemm, MatchesPyTorch) {
  Tensor a = random_tensor({64, 48}, 8, DType::F32), b = random_tensor({32, 48}, 9, DType::F32);
  Tensor c = random_tensor({64, 32}, 10, DType::F32);
  auto ref = testing::torch_reference("selftest", "matmul", {{"a", a}, {"b", b}, {"c", c}},
                                      {{"trans_a", false}, {"trans_b", true}, {"alpha", 1.5}, {"beta", -1.0}});
  gemm(a, Trans::No, b, Trans::Yes, c, 1.5, -1.0);
  EXPECT_LT(max_relative_error(c, ref.at("c")), 1e-5);
}

TEST(Gemm, OneAndTwoThreadsAgree) {
  Tensor a = random_tensor({200, 300}, 11, DType::F32), b = random_tensor({300, 100}, 12, DType::F32);
  Tensor c1 = Tensor::zeros({200, 100}), c2 = Tensor::zeros({200, 100});
  int saved = num_threads();
  set_num_threads(1);
  gemm(a, Trans::No, b, Trans::No, c1);
  set_num_threads(2);
  gemm(a, Trans::No, b, Trans::No, c2);
  set_num_threads(saved);
  EXPECT_LT(max_relative_error(c1, c2), 1e-6);
}

}  // namespace
}  // namespace hone
