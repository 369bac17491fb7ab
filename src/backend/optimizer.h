#pragma once
// Optimizer update kernels over flat parameter ranges.
#include "core/tensor.h"

namespace hone {

struct AdamWStep {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;  // decoupled (Loshchilov & Hutter): p -= lr * wd * p
  int64_t step = 1;           // 1-based, for bias correction
};

// One AdamW update of value in place; m and v are the first and second moment buffers. grad_scale
// multiplies the gradient first (global-norm clipping).
void adamw_update(const Tensor& value, const Tensor& grad, const Tensor& m, const Tensor& v, const AdamWStep& step,
                  double grad_scale = 1.0);

}  // namespace hone
