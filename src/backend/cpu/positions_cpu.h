#pragma once
#include "core/tensor.h"

namespace hone::cpu {

void segment_positions(const Tensor& segments, const Tensor& positions);

}  // namespace hone::cpu
