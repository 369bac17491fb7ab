#pragma once
// Multi-head attention built from four Linear projections and the fused attention kernel:
// self-attention (keys/values from x) or cross-attention (keys/values from an encoder output), with
// grouped-query heads, optional RoPE on q and k, and an optional additive position bias (T5).
//   T5:    names q,k,v,o, no bias, scale 1 (the 1/sqrt(d_kv) is folded into the initialisation)
//   Llama: names q_proj,k_proj,v_proj,o_proj, no bias, scale 1/sqrt(d_kv), RoPE
#include <string>

#include "backend/attention.h"
#include "nn/linear.h"

namespace hone {

struct AttentionConfig {
  int64_t d_model = 0;
  int64_t n_heads = 0;
  int64_t n_kv_heads = 0;  // 0: same as n_heads
  int64_t d_kv = 0;        // per-head width, independent of d_model / n_heads
  double scale = 1.0;
  bool bias = false;        // biases on the four projections
  bool cross = false;       // keys and values from a context (encoder output)
  int64_t d_context = 0;    // width of the context; 0: d_model
  bool rope = false;
  double rope_theta = 10000.0;
  std::string q_name = "q", k_name = "k", v_name = "v", o_name = "o";
};

// What backward needs from forward.
struct AttentionSaved {
  Tensor x, context;    // inputs (context undefined for self-attention)
  Tensor q, k, v;       // projected heads (q, k after RoPE)
  Tensor probs;         // [B, Hq, Tq, Tk]
  Tensor attended;      // attention output before the o projection
  AttentionMask mask;
  Tensor positions;     // RoPE positions [B, T]
};

struct AttentionOutput {
  Tensor y;  // [B, Tq, d_model]
  AttentionSaved saved;
};

struct AttentionGrads {
  Tensor dx;         // [B, Tq, d_model]
  Tensor d_context;  // cross-attention only
};

class MultiHeadAttention {
 public:
  // Registers "<prefix>.<q_name>.weight", ... .
  MultiHeadAttention(ParameterStore& store, const std::string& prefix, const AttentionConfig& config);

  // x [B, Tq, d_model]; context [B, Tk, d_context] for cross-attention (mask then describes the
  // context's keys: key_valid / key_lengths / key_segments). position_bias [n_heads, Tq, Tk] optional;
  // positions [B, Tq] required with RoPE.
  AttentionOutput forward(Arena& arena, const Tensor& x, const AttentionMask& mask, const Tensor& position_bias = {},
                          const Tensor& positions = {}, const Tensor& context = {}) const;
  // Accumulates parameter gradients; if position_bias_grad [n_heads, Tq, Tk] is defined, accumulates the
  // bias gradient (summed over the batch) into it.
  AttentionGrads backward(Arena& arena, const AttentionSaved& saved, const Tensor& dy,
                          const Tensor& position_bias_grad = {}) const;

  const AttentionConfig& config() const { return config_; }
  const Linear& q() const { return q_; }
  const Linear& k() const { return k_; }
  const Linear& v() const { return v_; }
  const Linear& o() const { return o_; }

 private:
  AttentionShape shape() const;

  AttentionConfig config_;
  Linear q_, k_, v_, o_;
};

}  // namespace hone
