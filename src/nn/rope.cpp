#include "nn/rope.h"

#include "backend/rope.h"

namespace hone {

RotaryEmbedding::RotaryEmbedding(int64_t head_dim, double theta) : head_dim_(head_dim), theta_(theta) {
  HONE_CHECK(head_dim > 0 && head_dim % 2 == 0, "RotaryEmbedding: head_dim must be even and positive, got ", head_dim);
  HONE_CHECK(theta > 0, "RotaryEmbedding: theta must be positive, got ", theta);
}

Tensor RotaryEmbedding::forward(Arena& arena, const Tensor& x, const Tensor& positions) const {
  Tensor y = arena.alloc(x.shape(), x.dtype());
  rope_forward(x, positions, head_dim_, theta_, y);
  return y;
}

Tensor RotaryEmbedding::backward(Arena& arena, const Tensor& dy, const Tensor& positions) const {
  Tensor dx = arena.alloc(dy.shape(), dy.dtype());
  rope_backward(dy, positions, head_dim_, theta_, dx);
  return dx;
}

}  // namespace hone
