#pragma once
// fp64 finite-difference gradient checks. A test runs the layer in F64 (the CPU kernels are templated
// on float and double) with loss = sum(output * probe) for a fixed random probe, so d(loss)/d(output)
// = probe is what the backward pass receives. The checker perturbs every element of each input
// (central differences, step 1e-6) and compares with the analytic gradient.
#include <functional>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace hone::testing {

struct GradCheckInput {
  std::string name;
  Tensor value;     // F64, perturbed in place by the checker
  Tensor gradient;  // F64, the analytic gradient the test computed
};

// loss() recomputes the scalar loss from the current values. Returns the worst error, measured as
// |numeric - analytic| / max(1e-2, max|numeric|) per input, and adds a gtest failure above tolerance.
double check_gradients(const std::function<double()>& loss, std::vector<GradCheckInput> inputs,
                       double tolerance = 1e-6, double step = 1e-6);

// sum(output * probe) in double.
double dot(const Tensor& output, const Tensor& probe);

}  // namespace hone::testing
