#pragma once
#include "backend/attention.h"

namespace hone::cpu {

void attention_forward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& bias,
                       const AttentionMask& mask, const AttentionShape& shape, const Tensor& output,
                       const Tensor& probs);
void attention_backward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& probs,
                        const AttentionMask& mask, const Tensor& d_output, const AttentionShape& shape, const Tensor& dq, const Tensor& dk,
                        const Tensor& dv, const Tensor& bias_grad, const Tensor& scores_grad);

}  // namespace hone::cpu
