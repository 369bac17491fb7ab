#pragma once
// Helpers for tests: seeded random tensors and error measures.
#include <cstdint>

#include "core/tensor.h"

namespace hone::testing {

// Uniform in [lo, hi) from the counter-based RNG (seeded, thread-independent).
Tensor random_tensor(const Shape& shape, uint64_t seed, DType dtype = DType::F64, double lo = -1.0, double hi = 1.0);
// Integers uniform in [0, bound).
Tensor random_ints(const Shape& shape, uint64_t seed, int64_t bound, DType dtype = DType::I32);

// Normwise relative error max|a - b| / max|b| (max|b| floored at 1e-12); the measure the issue's
// parity tolerances (1e-5 outputs, 1e-4 gradients) refer to. Any dtype convertible to double.
double max_relative_error(const Tensor& actual, const Tensor& expected);
double max_abs(const Tensor& t);
// Element i (row-major) as double, any float or int dtype, any strides.
double element(const Tensor& t, int64_t i);

}  // namespace hone::testing
