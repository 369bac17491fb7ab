// DecoderOnlyModel's cached generation passes (declared in decoder_only.h): the same layers as
// hidden_states(), with self-attention reading and writing a key/value cache.
#include "backend/elementwise.h"
#include "backend/kv_cache.h"
#include "backend/positions.h"
#include "model/decoder_only.h"

namespace hone {

DecoderOnlyCache DecoderOnlyModel::make_cache(int64_t batch, int64_t capacity) const {
  HONE_CHECK(batch > 0 && capacity > 0, "decoder-only cache: batch and capacity must be positive, got ", batch, " and ",
             capacity);
  HONE_CHECK(!gpt2() || capacity <= config_.max_positions, "a GPT-2 model has ", config_.max_positions,
             " learned positions, so it cannot hold ", capacity,
             " tokens (prompt + new tokens): shorten the prompt or lower max_new_tokens");
  const DType dtype = params_.dtype();
  DecoderOnlyCache cache;
  cache.batch = batch;
  cache.capacity = capacity;
  for (const auto& block : blocks_) cache.layers.push_back(make_key_value_cache(block->attention, batch, capacity, dtype));
  cache.lengths = Tensor::zeros({batch}, DType::I32);
  cache.key_lengths = Tensor::zeros({batch}, DType::I32);
  cache.scores = Tensor::zeros({batch * config_.n_heads * capacity}, dtype);
  return cache;
}

Tensor DecoderOnlyModel::prefill(Arena& arena, DecoderOnlyCache& cache, const Tensor& tokens, const Tensor& lengths,
                                 const Tensor& prefix) const {
  HONE_CHECK(!config_.prefix_lm || prefix.defined(),
             "prefill: a prefix-LM model needs the prompt's prefix flags [batch, length]");
  HONE_CHECK(tokens.dim() == 2 && tokens.dtype() == DType::I32 && tokens.is_contiguous(),
             "prefill: tokens must be contiguous I32 [batch, length], got ", tokens.describe());
  const int64_t batch = tokens.size(0), length = tokens.size(1);
  HONE_CHECK(batch == cache.batch, "prefill: ", batch, " prompts for a cache of ", cache.batch, " rows");
  HONE_CHECK(length >= 1 && length <= cache.capacity, "prefill: prompts of ", length, " tokens do not fit a cache of ",
             cache.capacity, " positions");
  check_shape(lengths, {batch}, "prompt lengths");
  if (prefix.defined()) check_shape(prefix, tokens.shape(), "prefix");

  Tensor positions = arena.alloc({batch, length}, DType::I32);
  segment_positions(Tensor(), positions);
  Tensor x = embedding_->forward(arena, tokens);
  if (position_embedding_) add(x, position_embedding_->forward(arena, positions), x);
  const Tensor rope_positions = config_.positions() == PositionKind::Rotary ? positions : Tensor();
  for (size_t i = 0; i < blocks_.size(); ++i) {
    const Block& block = *blocks_[i];
    Tensor attended =
        attention_prefill(arena, block.attention, block.attention_norm.forward(arena, x).y, rope_positions, {},
                          cache.layers[i], prefix);
    Tensor mid = arena.alloc(x.shape(), x.dtype());
    add(x, attended, mid);
    Tensor out = arena.alloc(x.shape(), x.dtype());
    add(mid, block.mlp.forward(arena, block.mlp_norm.forward(arena, mid).y).y, out);
    x = out;
  }
  // Only each row's last prompt position predicts the first new token.
  Tensor last = arena.alloc({batch, 1, config_.d_model}, x.dtype());
  gather_rows(x, lengths, -1, last);
  copy(lengths, cache.lengths);
  copy(lengths, cache.key_lengths);
  advance_counters(cache.key_lengths, 1);
  cache.span = length;
  return lm_head_->logits(arena, final_norm_->forward(arena, last).y);
}

Tensor DecoderOnlyModel::decode_step(Arena& arena, DecoderOnlyCache& cache, const Tensor& tokens) const {
  HONE_CHECK(tokens.dim() == 2 && tokens.size(0) == cache.batch && tokens.size(1) == 1 && tokens.dtype() == DType::I32,
             "decode_step: tokens must be I32 [", cache.batch, ", 1], got ", tokens.describe());
  HONE_CHECK(cache.span >= 1, "decode_step: call prefill() with the prompts first");
  HONE_CHECK(cache.span < cache.capacity, "decode_step: the cache is full (", cache.capacity,
             " tokens per row): make it larger");
  const DecodePositions at{cache.lengths, cache.key_lengths, cache.span + 1};
  Tensor x = embedding_->forward(arena, tokens);
  if (position_embedding_) add(x, position_embedding_->forward(arena, cache.lengths.view({cache.batch, 1})), x);
  for (size_t i = 0; i < blocks_.size(); ++i) {
    const Block& block = *blocks_[i];
    Tensor attended = attention_decode(arena, block.attention, block.attention_norm.forward(arena, x).y, at, {},
                                       cache.layers[i], cache.scores);
    Tensor mid = arena.alloc(x.shape(), x.dtype());
    add(x, attended, mid);
    Tensor out = arena.alloc(x.shape(), x.dtype());
    add(mid, block.mlp.forward(arena, block.mlp_norm.forward(arena, mid).y).y, out);
    x = out;
  }
  advance_counters(cache.lengths, 1);
  advance_counters(cache.key_lengths, 1);
  cache.span += 1;
  return lm_head_->logits(arena, final_norm_->forward(arena, x).y);
}

}  // namespace hone
