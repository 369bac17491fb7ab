#pragma once
// Rotary position embedding (Llama / Hugging Face rotate_half convention) applied to q or k laid out
// [B, T, heads*head_dim], with explicit positions [B, T] so packed sequences restart at 0.
#include "core/arena.h"

namespace hone {

class RotaryEmbedding {
 public:
  RotaryEmbedding(int64_t head_dim, double theta = 10000.0);

  // x [B, T, heads*head_dim] -> rotated copy from the arena.
  Tensor forward(Arena& arena, const Tensor& x, const Tensor& positions) const;
  // dy -> dx from the arena (the inverse rotation: the map is orthogonal).
  Tensor backward(Arena& arena, const Tensor& dy, const Tensor& positions) const;

  int64_t head_dim() const { return head_dim_; }
  double theta() const { return theta_; }

 private:
  int64_t head_dim_;
  double theta_;
};

}  // namespace hone
