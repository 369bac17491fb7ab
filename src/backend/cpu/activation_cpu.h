#pragma once
#include "backend/activation.h"

namespace hone::cpu {

void activation_forward(Activation activation, const Tensor& x, const Tensor& y);
void activation_backward(Activation activation, const Tensor& x, const Tensor& dy, const Tensor& dx);
void gated_activation_forward(Activation activation, const Tensor& gate, const Tensor& up, const Tensor& y);
void gated_activation_backward(Activation activation, const Tensor& gate, const Tensor& up, const Tensor& dy,
                               const Tensor& dgate, const Tensor& dup);

}  // namespace hone::cpu
