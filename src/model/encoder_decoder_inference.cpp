// EncoderDecoderModel's cached generation passes (declared in encoder_decoder.h): the encoder runs once
// per batch of prompts, the decoder one token per step over its self-attention cache and the stored
// cross-attention keys/values.
#include <cmath>

#include "backend/elementwise.h"
#include "backend/kv_cache.h"
#include "backend/position_bias.h"
#include "model/encoder_decoder.h"

namespace hone {

EncoderDecoderCache EncoderDecoderModel::make_cache(int64_t batch, int64_t source_length, int64_t capacity) const {
  HONE_CHECK(batch > 0 && source_length > 0 && capacity > 0,
             "encoder-decoder cache: batch, source length and capacity must be positive, got ", batch, ", ",
             source_length, " and ", capacity);
  const DType dtype = params_.dtype();
  EncoderDecoderCache cache;
  cache.batch = batch;
  cache.capacity = capacity;
  for (const auto& block : decoder_blocks_) {
    cache.layers.push_back(make_key_value_cache(block->self_attention, batch, capacity, dtype));
    cache.context.push_back(make_key_value_cache(block->cross_attention, batch, source_length, dtype));
  }
  cache.encoder_tokens = Tensor::zeros({batch, source_length}, DType::I32);
  cache.decoder_bias = Tensor::zeros({config_.n_heads, capacity, capacity}, dtype);
  cache.positions = Tensor::zeros({batch}, DType::I32);
  cache.scores = Tensor::zeros({batch * config_.n_heads * capacity}, dtype);
  return cache;
}

void EncoderDecoderModel::encode(Arena& arena, EncoderDecoderCache& cache, const Tensor& encoder_tokens) const {
  HONE_CHECK(encoder_tokens.dim() == 2 && encoder_tokens.dtype() == DType::I32 && encoder_tokens.is_contiguous(),
             "encode: encoder tokens must be contiguous I32 [batch, length], got ", encoder_tokens.describe());
  HONE_CHECK(encoder_tokens.shape() == cache.encoder_tokens.shape(), "encode: encoder tokens ", encoder_tokens.describe(),
             " do not match the cache's ", cache.encoder_tokens.describe());
  copy(encoder_tokens, cache.encoder_tokens);
  AttentionMask mask;
  mask.key_valid = cache.encoder_tokens;  // pad id 0 is never a key
  const int64_t source_length = encoder_tokens.size(1);
  const Tensor encoder_bias = encoder_position_bias_->forward(arena, source_length, source_length);
  Tensor x = shared_->forward(arena, encoder_tokens);
  for (const auto& block : encoder_blocks_) {
    AttentionOutput attention = block->attention.forward(arena, block->attention_norm.forward(arena, x).y, mask, encoder_bias);
    Tensor mid = arena.alloc(x.shape(), x.dtype());
    add(x, attention.y, mid);
    Tensor out = arena.alloc(x.shape(), x.dtype());
    add(mid, block->ffn.forward(arena, block->ffn_norm.forward(arena, mid).y).y, out);
    x = out;
  }
  const Tensor encoder_output = encoder_final_norm_->forward(arena, x).y;
  for (size_t i = 0; i < decoder_blocks_.size(); ++i) {
    const KeyValueCache context = project_context(arena, decoder_blocks_[i]->cross_attention, encoder_output);
    copy(context.keys, cache.context[i].keys);
    copy(context.values, cache.context[i].values);
  }
  // The whole causal bias once; a step at position t reads row t over keys 0..t.
  position_bias_forward(decoder_position_bias_->table().value, /*bidirectional=*/false,
                        config_.relative_attention_max_distance, cache.decoder_bias);
  cache.length = 0;
  fill(cache.positions, 0.0);
}

Tensor EncoderDecoderModel::decode_step(Arena& arena, EncoderDecoderCache& cache, const Tensor& tokens) const {
  HONE_CHECK(tokens.dim() == 2 && tokens.size(0) == cache.batch && tokens.size(1) == 1 && tokens.dtype() == DType::I32,
             "decode_step: tokens must be I32 [", cache.batch, ", 1], got ", tokens.describe());
  HONE_CHECK(cache.length < cache.capacity, "decode_step: the cache is full (", cache.capacity,
             " decoder tokens): make it larger");
  const int64_t t = cache.length;
  // All rows sit at position t, so no per-row key lengths are needed.
  const DecodePositions at{cache.positions, Tensor(), t + 1};
  const Tensor bias = cache.decoder_bias.slice(1, t, t + 1).slice(2, 0, t + 1);
  AttentionMask cross_mask;
  cross_mask.key_valid = cache.encoder_tokens;
  Tensor y = shared_->forward(arena, tokens);
  for (size_t i = 0; i < decoder_blocks_.size(); ++i) {
    const DecoderBlock& block = *decoder_blocks_[i];
    Tensor self = attention_decode(arena, block.self_attention, block.self_attention_norm.forward(arena, y).y, at, bias,
                                   cache.layers[i], cache.scores);
    Tensor after_self = arena.alloc(y.shape(), y.dtype());
    add(y, self, after_self);
    Tensor cross = attention_over_context(arena, block.cross_attention,
                                          block.cross_attention_norm.forward(arena, after_self).y, cache.context[i], cross_mask);
    Tensor after_cross = arena.alloc(y.shape(), y.dtype());
    add(after_self, cross, after_cross);
    Tensor out = arena.alloc(y.shape(), y.dtype());
    add(after_cross, block.ffn.forward(arena, block.ffn_norm.forward(arena, after_cross).y).y, out);
    y = out;
  }
  advance_counters(cache.positions, 1);
  cache.length += 1;
  Tensor hidden = decoder_final_norm_->forward(arena, y).y;
  // Tied head: Hugging Face rescales the decoder output by d_model^-0.5 before the shared embedding.
  if (config_.tie_embeddings) scale(hidden, 1.0 / std::sqrt(static_cast<double>(config_.d_model)));
  return lm_head_->logits(arena, hidden);
}

}  // namespace hone
