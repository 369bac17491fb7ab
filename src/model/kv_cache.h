#pragma once
// Key/value caches for generation, one per model family. A cache is sized once for (batch, capacity):
// generate() allocates it before the first step and every later step only reads and writes it, so
// decoding allocates nothing new (the per-step activations come from an arena sized by the first step).
#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "nn/cached_attention.h"

namespace hone {

// Decoder-only (Llama, GPT-2): rows may have different lengths; row b's next token goes at lengths[b].
struct DecoderOnlyCache {
  int64_t batch = 0;
  int64_t capacity = 0;               // tokens per row the cache holds (prompt + generated)
  std::vector<KeyValueCache> layers;  // [B, capacity, n_kv_heads*d_kv] each
  Tensor lengths;                     // I32 [B]: tokens cached per row (= the next token's position)
  Tensor key_lengths;                 // I32 [B]: lengths + 1 (what a decode step's query may see)
  int64_t span = 0;                   // the longest row's length (the cache positions a step must read)
  Tensor scores;                      // attention probabilities of a decode step, B * n_heads * capacity
};

// Encoder-decoder (T5): every row decodes in lockstep from decoder_start_token_id, so all rows share
// one decoder position; the encoder output enters only through each layer's cross-attention keys and
// values, computed once by encode().
struct EncoderDecoderCache {
  int64_t batch = 0;
  int64_t capacity = 0;                // decoder tokens (start token + generated)
  int64_t length = 0;                  // decoder tokens cached so far
  std::vector<KeyValueCache> layers;   // decoder self-attention
  std::vector<KeyValueCache> context;  // cross-attention keys/values of the encoder output
  Tensor encoder_tokens;               // I32 [B, S] (0 = padding: masks the cross-attention keys)
  Tensor decoder_bias;                 // [n_heads, capacity, capacity] causal relative bias, rows sliced per step
  Tensor positions;                    // I32 [B], all equal to length
  Tensor scores;                       // B * n_heads * capacity
};

}  // namespace hone
