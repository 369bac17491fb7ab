#include "nn/rms_norm.h"

#include "backend/norm.h"

namespace hone {

RMSNorm::RMSNorm(ParameterStore& store, const std::string& prefix, int64_t d_model, double eps)
    : d_model_(d_model), eps_(eps), weight_(&store.add(prefix + ".weight", {d_model})) {
  HONE_CHECK(d_model > 0 && eps > 0, "RMSNorm ", prefix, ": d_model and eps must be positive, got ", d_model, " and ",
             eps);
}

RMSNorm::Output RMSNorm::forward(Arena& arena, const Tensor& x) const {
  HONE_CHECK(x.dim() >= 1 && x.size(-1) == d_model_ && x.is_contiguous(), "RMSNorm ", weight_->name, ": input ",
             x.describe(), " must be contiguous and end in d_model = ", d_model_);
  const int64_t rows = x.numel() / d_model_;
  Output out{arena.alloc(x.shape(), x.dtype()), arena.alloc({rows}, x.dtype())};
  rms_norm_forward(x.view({rows, d_model_}), weight_->value, eps_, out.y.view({rows, d_model_}), out.inv_rms);
  return out;
}

Tensor RMSNorm::backward(Arena& arena, const Tensor& x, const Output& saved, const Tensor& dy) const {
  HONE_CHECK(dy.shape() == x.shape() && dy.is_contiguous(), "RMSNorm ", weight_->name, ": gradient ", dy.describe(),
             " must be contiguous with the input's shape ", shape_str(x.shape()));
  const int64_t rows = x.numel() / d_model_;
  Tensor dx = arena.alloc(x.shape(), x.dtype());
  rms_norm_backward(x.view({rows, d_model_}), weight_->value, saved.inv_rms, dy.view({rows, d_model_}),
                    dx.view({rows, d_model_}), weight_->grad);
  return dx;
}

}  // namespace hone
