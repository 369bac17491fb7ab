#include "support/tensor_testing.h"

#include <algorithm>
#include <cmath>

#include "backend/elementwise.h"
#include "core/rng.h"

namespace hone::testing {

Tensor random_tensor(const Shape& shape, uint64_t seed, DType dtype, double lo, double hi) {
  Tensor t64 = Tensor::empty(shape, DType::F64);
  double* p = t64.data<double>();
  for (int64_t i = 0; i < t64.numel(); ++i) p[i] = lo + (hi - lo) * random_uniform(seed, 7, static_cast<uint64_t>(i));
  return dtype == DType::F64 ? t64 : clone_as(t64, dtype);
}

Tensor random_ints(const Shape& shape, uint64_t seed, int64_t bound, DType dtype) {
  Tensor t = Tensor::empty(shape, dtype);
  for (int64_t i = 0; i < t.numel(); ++i) {
    int64_t v = static_cast<int64_t>(random_u32(seed, 11, static_cast<uint64_t>(i)) % static_cast<uint64_t>(bound));
    if (dtype == DType::I32) t.data<int32_t>()[i] = static_cast<int32_t>(v);
    else t.data<int64_t>()[i] = v;
  }
  return t;
}

double element(const Tensor& t, int64_t i) {
  Tensor c = clone_as(t, DType::F64);
  return c.data<double>()[i];
}

double max_abs(const Tensor& t) {
  Tensor c = clone_as(t, DType::F64);
  double m = 0;
  for (int64_t i = 0; i < c.numel(); ++i) m = std::max(m, std::abs(c.data<double>()[i]));
  return m;
}

double max_relative_error(const Tensor& actual, const Tensor& expected) {
  HONE_CHECK(actual.numel() == expected.numel(), "max_relative_error: sizes differ: ", actual.describe(), " vs ",
             expected.describe());
  Tensor a = clone_as(actual, DType::F64), b = clone_as(expected, DType::F64);
  double diff = 0, scale = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    double x = a.data<double>()[i], y = b.data<double>()[i];
    if (std::isnan(x) != std::isnan(y)) return INFINITY;
    diff = std::max(diff, std::abs(x - y));
    scale = std::max(scale, std::abs(y));
  }
  return diff / std::max(scale, 1e-12);
}

}  // namespace hone::testing
