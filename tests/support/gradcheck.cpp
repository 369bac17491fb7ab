#include "support/gradcheck.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "backend/elementwise.h"

namespace hone::testing {

double dot(const Tensor& output, const Tensor& probe) {
  Tensor a = clone_as(output, DType::F64), b = clone_as(probe, DType::F64);
  HONE_CHECK(a.numel() == b.numel(), "dot: sizes differ");
  double s = 0;
  for (int64_t i = 0; i < a.numel(); ++i) s += a.data<double>()[i] * b.data<double>()[i];
  return s;
}

double check_gradients(const std::function<double()>& loss, std::vector<GradCheckInput> inputs, double tolerance,
                       double step) {
  double worst = 0;
  for (auto& input : inputs) {
    HONE_CHECK(input.value.dtype() == DType::F64 && input.value.is_contiguous(), "gradcheck: ", input.name,
               " must be contiguous F64");
    HONE_CHECK(input.gradient.numel() == input.value.numel(), "gradcheck: gradient of ", input.name, " has ",
               input.gradient.numel(), " elements, value has ", input.value.numel());
    Tensor analytic = clone_as(input.gradient, DType::F64);
    double* v = input.value.data<double>();
    std::vector<double> numeric(static_cast<size_t>(input.value.numel()));
    // Errors are relative to the input's largest numeric gradient, floored at 1e-2: low enough that a
    // wrong gradient of 1e-7 fails, high enough to stay above the ~3e-10 noise of central differences
    // (seen on gradients that are exactly zero, such as a key-projection bias under softmax).
    double scale = 1e-2;
    for (int64_t i = 0; i < input.value.numel(); ++i) {
      const double saved = v[i];
      v[i] = saved + step;
      const double up = loss();
      v[i] = saved - step;
      const double down = loss();
      v[i] = saved;
      numeric[i] = (up - down) / (2 * step);
      scale = std::max(scale, std::abs(numeric[i]));
    }
    double err = 0;
    int64_t at = 0;
    for (int64_t i = 0; i < input.value.numel(); ++i) {
      double e = std::abs(numeric[i] - analytic.data<double>()[i]) / scale;
      if (e > err) {
        err = e;
        at = i;
      }
    }
    EXPECT_LE(err, tolerance) << "gradient of " << input.name << " at element " << at << ": numeric " << numeric[at]
                              << ", analytic " << analytic.data<double>()[at];
    worst = std::max(worst, err);
  }
  return worst;
}

}  // namespace hone::testing
