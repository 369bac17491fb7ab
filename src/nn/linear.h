#pragma once
// y = x W^T + b over the last dimension, W [out, in] as in PyTorch and Hugging Face checkpoints.
#include <string>

#include "core/arena.h"
#include "nn/parameter.h"

namespace hone {

class Linear {
 public:
  // Registers "<prefix>.weight" [out, in] and, with bias, "<prefix>.bias" [out].
  Linear(ParameterStore& store, const std::string& prefix, int64_t in_features, int64_t out_features, bool bias);

  // x [..., in] contiguous -> y [..., out] from the arena.
  Tensor forward(Arena& arena, const Tensor& x) const;
  // Accumulates dW += dy^T x and db += sum(dy); returns dx [..., in] (undefined if !need_input_grad).
  Tensor backward(Arena& arena, const Tensor& x, const Tensor& dy, bool need_input_grad = true) const;

  int64_t in_features() const { return in_; }
  int64_t out_features() const { return out_; }
  Parameter& weight() const { return *weight_; }
  Parameter* bias() const { return bias_; }

 private:
  int64_t in_, out_;
  Parameter* weight_;
  Parameter* bias_ = nullptr;
};

}  // namespace hone
