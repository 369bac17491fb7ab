#pragma once
// Helpers shared by the layer tests: random parameters, F64/F32 stores, parity bookkeeping.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "backend/elementwise.h"
#include "nn/parameter.h"
#include "support/tensor_testing.h"

namespace hone::testing {

// Parity tolerances (normwise relative error, hone F32 vs torch float32).
inline constexpr double kOutputTolerance = 1e-5;
inline constexpr double kGradientTolerance = 1e-4;

// Every parameter uniform in [lo, hi), a distinct stream per parameter.
inline void randomize_parameters(ParameterStore& store, uint64_t seed, double lo = -0.5, double hi = 0.5) {
  uint64_t index = 0;
  for (const Parameter& p : store.all()) copy(random_tensor(p.shape, seed * 1000 + index++, store.dtype(), lo, hi), p.value);
}

// Checks one parity quantity and prints it, so the worst errors show up in the test log.
inline void expect_close(const std::string& what, const Tensor& actual, const Tensor& expected, double tolerance) {
  ASSERT_EQ(actual.numel(), expected.numel()) << what << ": " << actual.describe() << " vs " << expected.describe();
  ASSERT_GT(max_abs(expected), 0.0) << what << ": the reference is all zeros, the comparison would prove nothing";
  const double error = max_relative_error(actual, expected);
  std::printf("[parity] %-48s %.3e\n", what.c_str(), error);
  EXPECT_LE(error, tolerance) << what;
}

// Bit-for-bit equality of two tensors of the same dtype.
inline bool bitwise_equal(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
  Tensor ca = clone(a), cb = clone(b);
  return std::memcmp(ca.raw_data(), cb.raw_data(), ca.nbytes()) == 0;
}

// Prints the worst finite-difference error of a check.
inline void report_gradcheck(const std::string& what, double error) {
  std::printf("[gradcheck] %-45s %.3e\n", what.c_str(), error);
}

}  // namespace hone::testing
