#pragma once
// Bias kernels for rows of a matrix: y[r, :] += b, and db += sum over rows of dy.
#include "core/tensor.h"

namespace hone {

// y [rows, n] += b [n] on each row.
void add_bias(const Tensor& y, const Tensor& b);
// db [n] += sum_r dy[r, :], summed in a fixed order (deterministic for any thread count).
void accumulate_bias_grad(const Tensor& dy, const Tensor& db);

}  // namespace hone
