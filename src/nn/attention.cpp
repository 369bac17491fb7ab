#include "nn/attention.h"

#include "backend/elementwise.h"
#include "backend/gemm.h"
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

// q, k and v weights as one [rows_q + rows_k + rows_v, in] matrix when the store laid them out back to
// back (it does for a self-attention layer: they are registered in a row); undefined otherwise.
Tensor stacked_weights(const Tensor& q, const Tensor& k, const Tensor& v) {
  if (!q.defined() || q.storage() != k.storage() || k.storage() != v.storage() ||
      k.byte_offset() != q.byte_offset() + q.nbytes() || v.byte_offset() != k.byte_offset() + k.nbytes())
    return {};
  return Tensor::over(q.storage(), q.byte_offset(), {q.size(0) + k.size(0) + v.size(0), q.size(1)}, q.dtype());
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
  // Self-attention without biases or RoPE projects q, k and v with one GEMM (wider N runs closer to the
  // BLAS peak) and keeps them as column slices of its output; the attention kernel reads strided heads.
  const Tensor stacked = config_.cross || config_.bias || config_.rope
                             ? Tensor()
                             : stacked_weights(q_.weight().value, k_.weight().value, v_.weight().value);
  if (stacked.defined()) {
    const int64_t dq = q_.weight().shape[0], dkv = k_.weight().shape[0];
    Tensor qkv = arena.alloc({x.size(0), x.size(1), dq + 2 * dkv}, x.dtype());
    gemm(x.view({-1, config_.d_model}), Trans::No, stacked, Trans::Yes, qkv.view({-1, dq + 2 * dkv}));
    saved.q = qkv.slice(2, 0, dq);
    saved.k = qkv.slice(2, dq, dq + dkv);
    saved.v = qkv.slice(2, dq + dkv, dq + 2 * dkv);
  } else {
    saved.q = q_.forward(arena, x);
    saved.k = k_.forward(arena, source);
    saved.v = v_.forward(arena, source);
  }
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
  const Tensor& source = config_.cross ? saved.context : saved.x;
  q_.backward(arena, saved.x, dq, /*need_input_grad=*/false);
  k_.backward(arena, source, dk, false);
  v_.backward(arena, source, dv, false);
  // Input gradients: the k and v terms accumulate into one buffer inside the GEMMs (beta = 1) instead of
  // three buffers and two adds.
  grads.dx = arena.alloc(saved.x.shape(), saved.x.dtype());
  const Tensor dx2 = grads.dx.view({-1, config_.d_model});
  gemm(dq.view({-1, dq.size(2)}), Trans::No, q_.weight().value, Trans::No, dx2);
  Tensor d_source = dx2;
  if (config_.cross) {
    grads.d_context = arena.alloc(source.shape(), source.dtype());
    d_source = grads.d_context.view({-1, config_.d_context});
  }
  gemm(dk.view({-1, dk.size(2)}), Trans::No, k_.weight().value, Trans::No, d_source, 1.0, config_.cross ? 0.0 : 1.0);
  gemm(dv.view({-1, dv.size(2)}), Trans::No, v_.weight().value, Trans::No, d_source, 1.0, 1.0);
  return grads;
}

}  // namespace hone
