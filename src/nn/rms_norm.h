#pragma once
// T5-style RMSNorm (Hugging Face T5LayerNorm, also Llama's LlamaRMSNorm): y = x / sqrt(mean(x^2) + eps)
// * weight over the last dimension; no mean subtraction and no bias.
#include <string>

#include "core/arena.h"
#include "nn/parameter.h"

namespace hone {

class RMSNorm {
 public:
  struct Output {
    Tensor y;        // [..., d_model]
    Tensor inv_rms;  // [rows], saved for backward
  };

  // Registers "<prefix>.weight" [d_model].
  RMSNorm(ParameterStore& store, const std::string& prefix, int64_t d_model, double eps = 1e-6);

  // x [..., d_model] contiguous.
  Output forward(Arena& arena, const Tensor& x) const;
  // Accumulates the weight gradient; returns dx [..., d_model].
  Tensor backward(Arena& arena, const Tensor& x, const Output& saved, const Tensor& dy) const;

  int64_t d_model() const { return d_model_; }
  double eps() const { return eps_; }
  Parameter& weight() const { return *weight_; }

 private:
  int64_t d_model_;
  double eps_;
  Parameter* weight_;
};

}  // namespace hone
