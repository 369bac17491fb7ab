#pragma once
#include "core/tensor.h"

namespace hone::cpu {

void rms_norm_forward(const Tensor& x, const Tensor& weight, double eps, const Tensor& y, const Tensor& inv_rms);
void rms_norm_backward(const Tensor& x, const Tensor& weight, const Tensor& inv_rms, const Tensor& dy,
                       const Tensor& dx, const Tensor& dweight);
void layer_norm_forward(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps, const Tensor& y,
                        const Tensor& mean, const Tensor& rstd);
void layer_norm_backward(const Tensor& x, const Tensor& weight, const Tensor& mean, const Tensor& rstd,
                         const Tensor& dy, const Tensor& dx, const Tensor& dweight, const Tensor& dbias);

}  // namespace hone::cpu
