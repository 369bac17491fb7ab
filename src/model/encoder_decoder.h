#pragma once
// A T5-style encoder-decoder (Hugging Face T5ForConditionalGeneration names), v1.0 (ReLU FFN, tied
// embeddings) and v1.1 / Flan-T5 / UL2 (gated-GELU FFN, untied LM head):
//   encoder: shared embedding, n_encoder_layers of [RMSNorm -> self-attention with the bidirectional
//            relative position bias of block 0 -> residual, RMSNorm -> FFN -> residual], final RMSNorm;
//   decoder: shared embedding, n_decoder_layers of [RMSNorm -> causal self-attention with the decoder's
//            relative bias -> residual, RMSNorm -> cross-attention over the encoder output -> residual,
//            RMSNorm -> FFN -> residual], final RMSNorm, (tied: * d_model^-0.5), LM head + loss.
// Attention scale is 1 (T5 folds 1/sqrt(d_kv) into the query initialisation). Forward and backward are
// explicit calls of the layers' passes; activations live in the arena.
#include <memory>
#include <vector>

#include "backend/activation.h"
#include "core/arena.h"
#include "model/config.h"
#include "model/kv_cache.h"
#include "model/recompute.h"
#include "nn/attention.h"
#include "nn/embedding.h"
#include "nn/feed_forward.h"
#include "nn/lm_head_loss.h"
#include "nn/relative_position_bias.h"
#include "nn/rms_norm.h"

namespace hone {

struct EncoderDecoderConfig {
  int64_t vocab_size = 0;
  int64_t d_model = 0;
  int64_t d_kv = 0;  // per-head width, independent of d_model / n_heads
  int64_t d_ff = 0;
  int64_t n_heads = 0;
  int64_t n_encoder_layers = 0;
  int64_t n_decoder_layers = 0;
  int64_t relative_attention_num_buckets = 32;
  int64_t relative_attention_max_distance = 128;
  bool gated = false;                          // v1.1: wi_0, wi_1, wo; v1.0: wi, wo
  Activation activation = Activation::ReLU;    // v1.1: GeluTanh ("gelu_new")
  bool tie_embeddings = true;                  // v1.0: LM head = shared; v1.1: own lm_head.weight
  double norm_eps = 1e-6;
};

// One batch in seqio's feature names. Tokens are I32; 0 is T5's pad id.
struct EncoderDecoderBatch {
  Tensor encoder_input_tokens;   // [B, S]; 0 = padding (masked as a key)
  Tensor decoder_input_tokens;   // [B, T] (targets shifted right, starting with 0)
  Tensor decoder_target_tokens;  // [B, T]
  Tensor decoder_loss_weights;   // [B, T] float, optional; default: weight 1 where target != 0
  // Packed examples (both or neither): attention stays within a segment; segment 0 is padding.
  Tensor encoder_segment_ids;    // [B, S]
  Tensor decoder_segment_ids;    // [B, T]
  // Positions within each segment (optional). Accepted for seqio compatibility but, as in t5x, the
  // relative position bias uses the token index: within one contiguous segment index differences equal
  // position differences, and attention across segments is masked, so the result is the same.
  Tensor encoder_positions;      // [B, S]
  Tensor decoder_positions;      // [B, T]
};

struct EncoderDecoderLoss {
  double loss = 0.0;    // sum(w * token loss) / sum(w)
  int64_t tokens = 0;   // targets that counted (weight given, or target != 0)
  double weight = 0.0;  // sum(w)
};

// The encoder-decoder fields of a ModelConfig (family encoder_decoder, style t5).
EncoderDecoderConfig encoder_decoder_config(const ModelConfig& config);

class EncoderDecoderModel {
 public:
  explicit EncoderDecoderModel(const EncoderDecoderConfig& config, DType dtype = DType::F32);

  // Hugging Face T5 _init_weights (factor 1): shared and lm_head N(0, 1); q N(0, (d_model d_kv)^-0.5);
  // k, v, wi N(0, d_model^-0.5); o N(0, (n_heads d_kv)^-0.5); wo N(0, d_ff^-0.5); relative bias
  // N(0, d_model^-0.5); norms 1. Seeded, one RNG stream per parameter.
  void initialize(uint64_t seed);

  // Accumulates every parameter gradient of the loss into params().grads().
  EncoderDecoderLoss forward_backward(Arena& arena, const EncoderDecoderBatch& batch);
  // Logits [B, T, vocab] of an unpacked batch: encoder tokens [B, S] (0 = padding), decoder tokens [B, T].
  Tensor logits(Arena& arena, const Tensor& encoder_tokens, const Tensor& decoder_tokens) const;
  // Logits [B, T, vocab] with the batch's masks (packed segments); targets and weights are not read.
  Tensor logits(Arena& arena, const EncoderDecoderBatch& batch) const;

  // Generation with a key/value cache (encoder_decoder_inference.cpp; model/generation.h drives them).
  // A cache for `batch` rows, encoder inputs of up to source_length tokens, `capacity` decoder tokens.
  EncoderDecoderCache make_cache(int64_t batch, int64_t source_length, int64_t capacity) const;
  // encoder_tokens I32 [B, S] (0 = padding): runs the encoder once, stores every layer's cross-attention
  // keys/values and empties the decoder part of the cache.
  void encode(Arena& arena, EncoderDecoderCache& cache, const Tensor& encoder_tokens) const;
  // Decoder tokens I32 [B, 1] at the next decoder position (shared by all rows); logits [B, 1, vocab].
  Tensor decode_step(Arena& arena, EncoderDecoderCache& cache, const Tensor& tokens) const;
  // What forward_backward keeps for backward (model/recompute.h); the result is the same at every level.
  void set_recompute(Recompute level) { recompute_ = level; }
  Recompute recompute() const { return recompute_; }
  // forward_backward's short-lived tensors (one block's temporaries, the LM head's logits chunk) live
  // here and are released block by block; the caller's arena holds what outlives a block. Activation
  // memory of a step = the caller's arena peak + this arena's peak.
  const Arena& scratch_arena() const { return scratch_; }

  ParameterStore& params() { return params_; }
  const ParameterStore& params() const { return params_; }
  const EncoderDecoderConfig& config() const { return config_; }

 private:
  struct EncoderBlock {
    RMSNorm attention_norm;
    MultiHeadAttention attention;
    RMSNorm ffn_norm;
    FeedForward ffn;
  };
  struct DecoderBlock {
    RMSNorm self_attention_norm;
    MultiHeadAttention self_attention;
    RMSNorm cross_attention_norm;
    MultiHeadAttention cross_attention;
    RMSNorm ffn_norm;
    FeedForward ffn;
  };
  struct EncoderActivations {
    Tensor input;
    RMSNorm::Output attention_norm;
    AttentionOutput attention;
    Tensor mid;  // input + attention
    RMSNorm::Output ffn_norm;
    FeedForward::Output ffn;
    Tensor output;  // mid + ffn
  };
  struct DecoderActivations {
    Tensor input;
    RMSNorm::Output self_attention_norm;
    AttentionOutput self_attention;
    Tensor after_self;  // input + self-attention
    RMSNorm::Output cross_attention_norm;
    AttentionOutput cross_attention;
    Tensor after_cross;  // after_self + cross-attention
    RMSNorm::Output ffn_norm;
    FeedForward::Output ffn;
    Tensor output;  // after_cross + ffn
  };
  struct Masks {
    AttentionMask encoder, decoder, cross;
  };
  // Everything forward produced that backward reads.
  struct Trace {
    std::vector<EncoderActivations> encoder;
    std::vector<DecoderActivations> decoder;
    Tensor encoder_last_input, decoder_last_input;
    RMSNorm::Output encoder_final, decoder_final;
    Tensor encoder_bias, decoder_bias;  // relative position biases [H, L, L]
  };

  void check_batch(const EncoderDecoderBatch& batch, bool training) const;
  Masks masks_for(const EncoderDecoderBatch& batch) const;
  // Runs encoder and decoder up to the LM head's input (scaled when tied); fills trace when given.
  Tensor head_input(Arena& arena, const EncoderDecoderBatch& batch, Trace* trace) const;
  // One block's forward: what recompute drops at `level` comes from scratch, the rest from arena.
  EncoderActivations encoder_block_forward(Arena& arena, Arena& scratch, const EncoderBlock& block, const Tensor& x,
                                           const Masks& masks, const Tensor& bias, Recompute level) const;
  DecoderActivations decoder_block_forward(Arena& arena, Arena& scratch, const DecoderBlock& block, const Tensor& y,
                                           const Masks& masks, const Tensor& bias, const Tensor& encoder_output,
                                           Recompute level) const;
  // Drops from act what `recompute_` recomputes in backward (it lives in scratch_, reused by the next block).
  void forget_recomputable(EncoderActivations& act) const;
  void forget_recomputable(DecoderActivations& act) const;

  EncoderDecoderConfig config_;
  ParameterStore params_;
  std::unique_ptr<Embedding> shared_;
  std::vector<std::unique_ptr<EncoderBlock>> encoder_blocks_;
  std::unique_ptr<RelativePositionBias> encoder_position_bias_;
  std::unique_ptr<RMSNorm> encoder_final_norm_;
  std::vector<std::unique_ptr<DecoderBlock>> decoder_blocks_;
  std::unique_ptr<RelativePositionBias> decoder_position_bias_;
  std::unique_ptr<RMSNorm> decoder_final_norm_;
  // Two views of the same head: without loss weights, pad targets (0) are ignored; with weights, every
  // target counts with its weight.
  std::unique_ptr<LmHeadLoss> lm_head_;
  std::unique_ptr<LmHeadLoss> weighted_lm_head_;
  Recompute recompute_ = Recompute::None;
  mutable Arena scratch_;
};

}  // namespace hone
