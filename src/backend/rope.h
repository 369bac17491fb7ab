#pragma once
// Rotary position embedding, Llama / Hugging Face convention: within each head of width head_dim the
// pairs (i, i + head_dim/2) rotate by angle position * theta^(-2i/head_dim) ("rotate_half").
// Positions are explicit per token so packed sequences can restart at 0.
#include "core/tensor.h"

namespace hone {

// x [B, T, H*head_dim] (last dimension contiguous), positions [B, T] (I32 or I64) -> out, contiguous,
// same shape; out may be x itself.
void rope_forward(const Tensor& x, const Tensor& positions, int64_t head_dim, double theta, const Tensor& out);
// The transpose (rotation by minus the angle): d_out -> d_x; d_x may be d_out itself.
void rope_backward(const Tensor& d_out, const Tensor& positions, int64_t head_dim, double theta, const Tensor& d_x);

}  // namespace hone
