#pragma once
#include "core/tensor.h"

namespace hone::cpu {

void add_bias(const Tensor& y, const Tensor& b);
void accumulate_bias_grad(const Tensor& dy, const Tensor& db);

}  // namespace hone::cpu
