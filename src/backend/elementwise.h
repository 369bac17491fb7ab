#pragma once
// Whole-tensor elementwise kernels.
#include "core/tensor.h"

namespace hone {

void fill(const Tensor& t, double value);
// dst = src elementwise, any strides; converts between F64, F32, BF16 and F16 (and copies other dtypes
// when they match).
void copy(const Tensor& src, const Tensor& dst);
// A contiguous copy on the same device (optionally converted to dtype).
Tensor clone(const Tensor& src);
Tensor clone_as(const Tensor& src, DType dtype);
// y += alpha * x (same shape, contiguous).
void axpy(double alpha, const Tensor& x, const Tensor& y);
// t *= s (contiguous).
void scale(const Tensor& t, double s);
// out = a + b (same shape, contiguous); out may alias a or b.
void add(const Tensor& a, const Tensor& b, const Tensor& out);
// Sum of squares in double precision (gradient norms, tests).
double sum_squares(const Tensor& t);

}  // namespace hone
