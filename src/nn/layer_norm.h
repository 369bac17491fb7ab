#pragma once
// LayerNorm with weight and bias over the last dimension (GPT-2's ln_1 / ln_2 / ln_f, eps 1e-5).
#include <string>

#include "core/arena.h"
#include "nn/parameter.h"

namespace hone {

class LayerNorm {
 public:
  struct Output {
    Tensor y;     // [..., d_model]
    Tensor mean;  // [rows], saved for backward
    Tensor rstd;  // [rows], 1 / sqrt(var + eps)
  };

  // Registers "<prefix>.weight" and "<prefix>.bias", both [d_model].
  LayerNorm(ParameterStore& store, const std::string& prefix, int64_t d_model, double eps = 1e-5);

  // x [..., d_model] contiguous.
  Output forward(Arena& arena, const Tensor& x) const;
  // Accumulates the weight and bias gradients; returns dx [..., d_model].
  Tensor backward(Arena& arena, const Tensor& x, const Output& saved, const Tensor& dy) const;

  int64_t d_model() const { return d_model_; }
  double eps() const { return eps_; }
  Parameter& weight() const { return *weight_; }
  Parameter& bias() const { return *bias_; }

 private:
  int64_t d_model_;
  double eps_;
  Parameter* weight_;
  Parameter* bias_;
};

}  // namespace hone
