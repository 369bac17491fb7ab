#include "nn/linear.h"

#include "backend/bias.h"
#include "backend/gemm.h"

namespace hone {

Linear::Linear(ParameterStore& store, const std::string& prefix, int64_t in_features, int64_t out_features, bool bias)
    : in_(in_features), out_(out_features), weight_(&store.add(prefix + ".weight", {out_features, in_features})) {
  if (bias) bias_ = &store.add(prefix + ".bias", {out_features});
}

static Shape with_last(const Shape& shape, int64_t last) {
  Shape s = shape;
  s.back() = last;
  return s;
}

Tensor Linear::forward(Arena& arena, const Tensor& x) const {
  HONE_CHECK(x.dim() >= 1 && x.size(-1) == in_, "Linear ", weight_->name, ": input ", x.describe(), " must end in ", in_);
  Tensor y = arena.alloc(with_last(x.shape(), out_), x.dtype());
  Tensor x2 = x.view({-1, in_}), y2 = y.view({-1, out_});
  gemm(x2, Trans::No, weight_->value, Trans::Yes, y2);
  if (bias_) add_bias(y2, bias_->value);
  return y;
}

Tensor Linear::backward(Arena& arena, const Tensor& x, const Tensor& dy, bool need_input_grad) const {
  HONE_CHECK(x.size(-1) == in_ && dy.size(-1) == out_ && dy.numel() / out_ == x.numel() / in_, "Linear ", weight_->name,
             ": gradient ", dy.describe(), " does not match input ", x.describe());
  Tensor x2 = x.view({-1, in_}), dy2 = dy.view({-1, out_});
  gemm(dy2, Trans::Yes, x2, Trans::No, weight_->grad, 1.0, 1.0);
  if (bias_) accumulate_bias_grad(dy2, bias_->grad);
  if (!need_input_grad) return {};
  Tensor dx = arena.alloc(x.shape(), x.dtype());
  gemm(dy2, Trans::No, weight_->value, Trans::No, dx.view({-1, in_}));
  return dx;
}

}  // namespace hone
