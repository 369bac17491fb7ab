#pragma once
// Token positions for position embeddings (RoPE, learned): 0, 1, 2, ... along each row, restarting at
// 0 wherever the segment id changes in packed rows.
#include "core/tensor.h"

namespace hone {

// positions I32 [B, T] (contiguous, overwritten); segments I32 [B, T] or undefined (one sequence per row).
void segment_positions(const Tensor& segments, const Tensor& positions);

}  // namespace hone
