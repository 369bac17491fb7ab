#pragma once
#include "core/tensor.h"

namespace hone::cpu {

void fill(const Tensor& t, double value);
void copy(const Tensor& src, const Tensor& dst);
void axpy(double alpha, const Tensor& x, const Tensor& y);
void scale(const Tensor& t, double s);
void add(const Tensor& a, const Tensor& b, const Tensor& out);
double sum_squares(const Tensor& t);

}  // namespace hone::cpu
