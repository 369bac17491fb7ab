#pragma once
#include "core/tensor.h"

namespace hone::cpu {

// Rotates pairs (i, i + head_dim/2) of every head by +angle (forward) or -angle (inverse: backward).
void rope_rotate(const Tensor& x, const Tensor& positions, int64_t head_dim, double theta, const Tensor& out,
                 bool inverse);

}  // namespace hone::cpu
