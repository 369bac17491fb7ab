#pragma once
// Inference-only passes of a MultiHeadAttention over a key/value cache (generation). No backward: the
// projections and the fused kernel are the layer's own, so results equal MultiHeadAttention::forward.
//   prefill: the prompt's keys/values fill cache positions 0..T-1; causal attention within each row
//   decode:  one new token per row is written at that row's own position, and attends to the row's
//            keys 0..position (key_lengths), so rows of different lengths decode in one batch
//   context: cross-attention over keys/values projected once from an encoder output
#include "core/arena.h"
#include "nn/attention.h"

namespace hone {

// Keys and values of one attention layer: [B, capacity, n_kv_heads*d_kv] each.
struct KeyValueCache {
  Tensor keys, values;
};

// Both tensors zero-filled, [batch, capacity, n_kv_heads*d_kv] in dtype (allocated once, outside any arena).
KeyValueCache make_key_value_cache(const MultiHeadAttention& attention, int64_t batch, int64_t capacity, DType dtype);

// x [B, T, d_model]; rope_positions [B, T] (RoPE layers); bias [n_heads, T, T] optional. Writes the keys
// and values into cache positions 0..T-1 and returns the attention output [B, T, d_model].
Tensor attention_prefill(Arena& arena, const MultiHeadAttention& attention, const Tensor& x, const Tensor& rope_positions,
                         const Tensor& bias, const KeyValueCache& cache,
                         const Tensor& prefix = {});

// Where a decode step writes and what it reads.
struct DecodePositions {
  Tensor positions;    // I32 [B]: the new token's position in each row (cache index and RoPE position)
  Tensor key_lengths;  // I32 [B]: positions + 1 (keys the row may see); undefined when all rows share one position
  int64_t key_span = 0;  // cache positions the kernel reads (the longest row's positions + 1)
};

// x [B, 1, d_model]. bias [n_heads, 1, key_span] optional (may be a strided view). scores is a buffer of
// at least B * n_heads * key_span elements of x's dtype, reused every step so that the growing key span
// needs no new arena memory.
Tensor attention_decode(Arena& arena, const MultiHeadAttention& attention, const Tensor& x, const DecodePositions& at,
                        const Tensor& bias, const KeyValueCache& cache, const Tensor& scores);

// Cross-attention keys/values of a context [B, S, d_context], in new (non-arena) tensors.
KeyValueCache project_context(Arena& arena, const MultiHeadAttention& attention, const Tensor& context);
// x [B, Tq, d_model] attends to the projected context under mask (key_valid / key_lengths of the context).
Tensor attention_over_context(Arena& arena, const MultiHeadAttention& attention, const Tensor& x,
                              const KeyValueCache& context, const AttentionMask& mask);

}  // namespace hone
