#include "nn/attention.h"

#include "backend/elementwise.h"
#include "backend/rope.h"

namespace hone {
namespace {

AttentionConfig resolved(AttentionConfig c) {
  if (c.n_kv_heads == 0) c.n_kv_heads = c.n_heads;
  if (c.d_context == 0) c.d_context = c.d_model;
  HONE_CHECK(c.d_model > 0 && c.n_heads > 0 && c.d_kv > 0, "MultiHeadAttention: d_model, n_heads and d_kv must be positive, got ",
             c.d_model, ", ", c.n_heads, ", ", c.d_kv);
  HONE_CHECK(c.n_heads % c.n_kv_heads == 0, "MultiHeadAttention: n_heads (", c.n_heads,
             ") must be a multiple of n_kv_heads (", c.n_kv_heads, ")");
  HONE_CHECK(!(c.rope && c.cross), "MultiHeadAttention: RoPE is for self-attention; disable rope for cross-attention");
  return c;
}

}  // namespace

MultiHeadAttention::MultiHeadAttention(ParameterStore& store, const std::string& prefix, const AttentionConfig& config)
    : config_(resolved(config)),
      q_(store, prefix + "." + config_.q_name, config_.d_model, config_.n_heads * config_.d_kv, config_.bias),
      k_(store, prefix + "." + config_.k_name, config_.d_context, config_.n_kv_heads * config_.d_kv, config_.bias),
      v_(store, prefix + "." + config_.v_name, config_.d_context, config_.n_kv_heads * config_.d_kv, config_.bias),
      o_(store, prefix + "." + config_.o_name, config_.n_heads * config_.d_kv, config_.d_model, config_.bias) {
  if (config_.rope)
    HONE_CHECK(config_.d_kv % 2 == 0 && config_.rope_theta > 0, "MultiHeadAttention: RoPE needs an even d_kv and theta > 0");
}

AttentionShape MultiHeadAttention::shape() const {
  return {config_.n_heads, config_.n_kv_heads, config_.d_kv, config_.scale};
}

AttentionOutput MultiHeadAttention::forward(Arena& arena, const Tensor& x, const AttentionMask& mask,
                                            const Tensor& position_bias, const Tensor& positions,
                                            const Tensor& context) const {
  HONE_CHECK(x.dim() == 3 && x.size(2) == config_.d_model, "MultiHeadAttention: x must be [B, T, ", config_.d_model,
             "], got ", x.describe());
  HONE_CHECK(context.defined() == config_.cross, "MultiHeadAttention: ",
             config_.cross ? "cross-attention needs a context (encoder output)" : "self-attention takes no context");
  HONE_CHECK(!config_.rope || positions.defined(), "MultiHeadAttention: RoPE needs positions [B, T]");
  const Tensor& source = config_.cross ? context : x;
  HONE_CHECK(source.dim() == 3 && source.size(0) == x.size(0) && source.size(2) == config_.d_context,
             "MultiHeadAttention: context must be [", x.size(0), ", Tk, ", config_.d_context, "], got ", source.describe());
  AttentionSaved saved;
  saved.x = x;
  saved.context = context;
  saved.mask = mask;
  saved.positions = positions;
  saved.q = q_.forward(arena, x);
  saved.k = k_.forward(arena, source);
  saved.v = v_.forward(arena, source);
  if (config_.rope) {
    rope_forward(saved.q, positions, config_.d_kv, config_.rope_theta, saved.q);
    rope_forward(saved.k, positions, config_.d_kv, config_.rope_theta, saved.k);
  }
  const int64_t batch = x.size(0), tq = x.size(1), tk = source.size(1);
  saved.attended = arena.alloc({batch, tq, config_.n_heads * config_.d_kv}, x.dtype());
  saved.probs = arena.alloc({batch, config_.n_heads, tq, tk}, x.dtype());
  attention_forward(saved.q, saved.k, saved.v, position_bias, mask, shape(), saved.attended, saved.probs);
  Tensor y = o_.forward(arena, saved.attended);
  return {y, saved};
}

AttentionGrads MultiHeadAttention::backward(Arena& arena, const AttentionSaved& saved, const Tensor& dy,
                                            const Tensor& position_bias_grad) const {
  Tensor d_attended = o_.backward(arena, saved.attended, dy);
  Tensor dq = arena.alloc(saved.q.shape(), saved.q.dtype());
  Tensor dk = arena.alloc(saved.k.shape(), saved.k.dtype());
  Tensor dv = arena.alloc(saved.v.shape(), saved.v.dtype());
  Tensor scores_grad = arena.alloc(saved.probs.shape(), saved.probs.dtype());
  attention_backward(saved.q, saved.k, saved.v, saved.probs, saved.mask, d_attended, shape(), dq, dk, dv,
                     position_bias_grad, scores_grad);
  if (config_.rope) {
    rope_backward(dq, saved.positions, config_.d_kv, config_.rope_theta, dq);
    rope_backward(dk, saved.positions, config_.d_kv, config_.rope_theta, dk);
  }
  AttentionGrads grads;
  grads.dx = q_.backward(arena, saved.x, dq);
  const Tensor& source = config_.cross ? saved.context : saved.x;
  Tensor d_source_k = k_.backward(arena, source, dk);
  Tensor d_source_v = v_.backward(arena, source, dv);
  add(d_source_k, d_source_v, d_source_k);
  if (config_.cross) {
    grads.d_context = d_source_k;
  } else {
    add(grads.dx, d_source_k, grads.dx);
  }
  return grads;
}

}  // namespace hone
