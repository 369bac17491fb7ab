#include "nn/dropout.h"

#include "backend/dropout.h"

namespace hone {

Dropout::Dropout(double p) : p_(p) {
  HONE_CHECK(p >= 0.0 && p < 1.0, "Dropout: the drop probability must lie in [0, 1), got ", p,
             " (use 0 to disable dropout)");
}

Tensor Dropout::forward(Arena& arena, const Tensor& x, uint64_t seed, uint64_t stream, bool training) const {
  if (!training || p_ == 0.0) return x;
  Tensor y = arena.alloc(x.shape(), x.dtype());
  dropout_forward(x, y, p_, seed, stream);
  return y;
}

Tensor Dropout::backward(Arena& arena, const Tensor& dy, uint64_t seed, uint64_t stream, bool training) const {
  if (!training || p_ == 0.0) return dy;
  Tensor dx = arena.alloc(dy.shape(), dy.dtype());
  dropout_backward(dy, dx, p_, seed, stream);
  return dx;
}

}  // namespace hone
