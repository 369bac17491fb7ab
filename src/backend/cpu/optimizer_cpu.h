#pragma once
#include "backend/optimizer.h"

namespace hone::cpu {

void adamw_update(const Tensor& value, const Tensor& grad, const Tensor& m, const Tensor& v, const AdamWStep& step,
                  double grad_scale);

}  // namespace hone::cpu
