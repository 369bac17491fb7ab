#pragma once
// Row normalisation kernels over the last dimension of x [rows, n] (contiguous). The forward pass is
// one sweep per row and saves the per-row statistics the backward pass needs; the backward pass
// writes dx and accumulates (+=) the weight and bias gradients in an order that does not depend on
// the thread count.
#include "core/tensor.h"

namespace hone {

// T5 RMSNorm: y = x * inv_rms * weight, inv_rms[r] = 1 / sqrt(mean(x[r]^2) + eps), saved in inv_rms [rows].
void rms_norm_forward(const Tensor& x, const Tensor& weight, double eps, const Tensor& y, const Tensor& inv_rms);
// dx = gradient w.r.t. x (overwritten); dweight += sum over rows of dy * x * inv_rms.
void rms_norm_backward(const Tensor& x, const Tensor& weight, const Tensor& inv_rms, const Tensor& dy,
                       const Tensor& dx, const Tensor& dweight);

// LayerNorm: y = (x - mean) * rstd * weight + bias, saving mean [rows] and rstd [rows].
void layer_norm_forward(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps, const Tensor& y,
                        const Tensor& mean, const Tensor& rstd);
// dx overwritten; dweight += sum dy * x_hat, dbias += sum dy.
void layer_norm_backward(const Tensor& x, const Tensor& weight, const Tensor& mean, const Tensor& rstd,
                         const Tensor& dy, const Tensor& dx, const Tensor& dweight, const Tensor& dbias);

}  // namespace hone
