#pragma once
#include <cstdint>

#include "core/tensor.h"

namespace hone::cpu {

// out = in * mask(seed, stream) / (1 - p); used by both dropout directions.
void apply_dropout_mask(const char* kernel, const Tensor& in, const Tensor& out, double p, uint64_t seed,
                        uint64_t stream);

}  // namespace hone::cpu
