#include "nn/cached_attention.h"

#include "backend/elementwise.h"
#include "backend/kv_cache.h"
#include "backend/rope.h"

namespace hone {
namespace {

AttentionShape shape_of(const AttentionConfig& c) { return {c.n_heads, c.n_kv_heads, c.d_kv, c.scale}; }

Tensor project_query(Arena& arena, const MultiHeadAttention& attention, const Tensor& x, const Tensor& rope_positions) {
  const AttentionConfig& c = attention.config();
  Tensor q = attention.q().forward(arena, x);
  if (c.rope) {
    HONE_CHECK(rope_positions.defined(), "cached attention: RoPE needs positions");
    rope_forward(q, rope_positions, c.d_kv, c.rope_theta, q);
  }
  return q;
}

// Keys (rotated) and values of x [B, T, d_model] from the arena.
KeyValueCache project_self(Arena& arena, const MultiHeadAttention& attention, const Tensor& x, const Tensor& rope_positions) {
  const AttentionConfig& c = attention.config();
  KeyValueCache kv{attention.k().forward(arena, x), attention.v().forward(arena, x)};
  if (c.rope) rope_forward(kv.keys, rope_positions, c.d_kv, c.rope_theta, kv.keys);
  return kv;
}

void check_self(const MultiHeadAttention& attention, const Tensor& x) {
  HONE_CHECK(!attention.config().cross, "cached self-attention called on a cross-attention layer");
  HONE_CHECK(x.dim() == 3 && x.size(2) == attention.config().d_model, "cached attention: x must be [B, T, ",
             attention.config().d_model, "], got ", x.describe());
}

}  // namespace

KeyValueCache make_key_value_cache(const MultiHeadAttention& attention, int64_t batch, int64_t capacity, DType dtype) {
  const int64_t width = attention.config().n_kv_heads * attention.config().d_kv;
  return {Tensor::zeros({batch, capacity, width}, dtype), Tensor::zeros({batch, capacity, width}, dtype)};
}

Tensor attention_prefill(Arena& arena, const MultiHeadAttention& attention, const Tensor& x, const Tensor& rope_positions,
                         const Tensor& bias, const KeyValueCache& cache, const Tensor& prefix) {
  check_self(attention, x);
  const AttentionConfig& c = attention.config();
  const int64_t batch = x.size(0), length = x.size(1);
  HONE_CHECK(cache.keys.size(0) == batch && cache.keys.size(1) >= length, "attention_prefill: a prompt of ", length,
             " tokens does not fit a cache ", cache.keys.describe());
  Tensor q = project_query(arena, attention, x, rope_positions);
  KeyValueCache fresh = project_self(arena, attention, x, rope_positions);
  copy(fresh.keys, cache.keys.slice(1, 0, length));
  copy(fresh.values, cache.values.slice(1, 0, length));
  AttentionMask mask;
  mask.causal = true;  // right padding: a real query never sees the padding after it
  mask.prefix = prefix;  // prefix LM: flagged prompt positions also see each other (padding is never flagged)
  Tensor attended = arena.alloc({batch, length, c.n_heads * c.d_kv}, x.dtype());
  Tensor probs = arena.alloc({batch, c.n_heads, length, length}, x.dtype());
  attention_forward(q, fresh.keys, fresh.values, bias, mask, shape_of(c), attended, probs);
  return attention.o().forward(arena, attended);
}

Tensor attention_decode(Arena& arena, const MultiHeadAttention& attention, const Tensor& x, const DecodePositions& at,
                        const Tensor& bias, const KeyValueCache& cache, const Tensor& scores) {
  check_self(attention, x);
  const AttentionConfig& c = attention.config();
  const int64_t batch = x.size(0);
  HONE_CHECK(x.size(1) == 1, "attention_decode: one token per row, got ", x.describe());
  HONE_CHECK(at.key_span >= 1 && at.key_span <= cache.keys.size(1), "attention_decode: key span ", at.key_span,
             " outside the cache capacity ", cache.keys.size(1));
  const int64_t score_count = batch * c.n_heads * at.key_span;
  HONE_CHECK(scores.is_contiguous() && scores.numel() >= score_count && scores.dtype() == x.dtype(),
             "attention_decode: the scores buffer ", scores.describe(), " needs ", score_count, " elements");
  const Tensor rope_positions = at.positions.view({batch, 1});
  Tensor q = project_query(arena, attention, x, rope_positions);
  KeyValueCache fresh = project_self(arena, attention, x, rope_positions);
  write_cache_rows(fresh.keys, at.positions, cache.keys);
  write_cache_rows(fresh.values, at.positions, cache.values);
  AttentionMask mask;
  mask.key_lengths = at.key_lengths;
  Tensor probs = Tensor::over(scores.storage(), scores.byte_offset(), {batch, c.n_heads, 1, at.key_span}, x.dtype());
  Tensor attended = arena.alloc({batch, 1, c.n_heads * c.d_kv}, x.dtype());
  attention_forward(q, cache.keys.slice(1, 0, at.key_span), cache.values.slice(1, 0, at.key_span), bias, mask,
                    shape_of(c), attended, probs);
  return attention.o().forward(arena, attended);
}

KeyValueCache project_context(Arena& arena, const MultiHeadAttention& attention, const Tensor& context) {
  HONE_CHECK(attention.config().cross, "project_context needs a cross-attention layer");
  return {clone(attention.k().forward(arena, context)), clone(attention.v().forward(arena, context))};
}

Tensor attention_over_context(Arena& arena, const MultiHeadAttention& attention, const Tensor& x,
                              const KeyValueCache& context, const AttentionMask& mask) {
  const AttentionConfig& c = attention.config();
  HONE_CHECK(c.cross, "attention_over_context needs a cross-attention layer");
  const int64_t batch = x.size(0), tq = x.size(1), tk = context.keys.size(1);
  Tensor q = attention.q().forward(arena, x);
  Tensor attended = arena.alloc({batch, tq, c.n_heads * c.d_kv}, x.dtype());
  Tensor probs = arena.alloc({batch, c.n_heads, tq, tk}, x.dtype());
  attention_forward(q, context.keys, context.values, {}, mask, shape_of(c), attended, probs);
  return attention.o().forward(arena, attended);
}

}  // namespace hone
