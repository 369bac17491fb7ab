#pragma once
#include "core/tensor.h"

namespace hone::cpu {

void position_bias_forward(const Tensor& table, bool bidirectional, int64_t max_distance, const Tensor& bias);
void position_bias_backward(const Tensor& d_bias, bool bidirectional, int64_t max_distance, const Tensor& table_grad);

}  // namespace hone::cpu
