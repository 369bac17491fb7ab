#pragma once
// A decoder-only transformer described by a ModelConfig (family decoder_only) in one of two styles:
//   llama: token embedding; n layers of [RMSNorm -> causal self-attention with RoPE and grouped-query
//          heads -> residual, RMSNorm -> SwiGLU MLP -> residual]; final RMSNorm; LM head
//          (Hugging Face LlamaForCausalLM names)
//   gpt2:  token + learned position embeddings; n layers of [LayerNorm -> causal self-attention with
//          biases, scale 1/sqrt(d_kv) -> residual, LayerNorm -> GELU-tanh MLP with biases -> residual];
//          final LayerNorm; LM head tied to the token embedding (GPT2LMHeadModel names, see below)
// The LM head is fused with the cross-entropy loss. Forward and backward are explicit calls of the
// layers' passes; activations live in the arena. Dropout (config.dropout) is not applied.
//
// GPT-2 internal layout: Hugging Face's Conv1D weights are [in, out] and c_attn fuses q, k, v into one
// [d, 3d] matrix. Here every projection is a Linear [out, in] and q, k, v are separate:
//   transformer.h.{i}.attn.{q_proj,k_proj,v_proj,c_proj}, transformer.h.{i}.mlp.{c_fc,c_proj}
// model/hf_weights.h converts to and from the Hugging Face state dict.
//
// Prefix-LM (seqio's decoder_causal_attention): positions flagged in batch.prefix attend to each other
// bidirectionally, the rest causally. Which targets carry loss is the caller's choice: put -100 (or
// loss weight 0) on the input part. Packed batches give segment ids; attention stays within a segment
// and positions (RoPE or learned) restart at 0 in each segment.
#include <memory>
#include <optional>
#include <vector>

#include "core/arena.h"
#include "model/config.h"
#include "model/kv_cache.h"
#include "model/recompute.h"
#include "nn/attention.h"
#include "nn/embedding.h"
#include "nn/feed_forward.h"
#include "nn/layer_norm.h"
#include "nn/lm_head_loss.h"
#include "nn/rms_norm.h"

namespace hone {

struct DecoderOnlyBatch {
  Tensor tokens;        // I32 [B, T]
  Tensor targets;       // I32 [B, T], -100 where no loss applies; unused by logits()
  Tensor prefix;        // optional [B, T], nonzero on the input part (prefix-LM); required if config.prefix_lm
  Tensor segments;      // optional I32 [B, T] packed sequence ids, 0 = padding
  Tensor loss_weights;  // optional [B, T] per-token loss weights (the loss is then sum(w l) / sum(w))
};

struct LossResult {
  double loss = 0.0;     // mean cross-entropy over non-ignored targets
  int64_t tokens = 0;    // non-ignored targets
};

class DecoderOnlyModel {
 public:
  // config must be a valid decoder-only llama or gpt2 config.
  explicit DecoderOnlyModel(const ModelConfig& config, DType dtype = DType::F32);

  // Normal(0, 0.02) matrices and embeddings (GPT-2/Llama practice; GPT-2's residual output projections
  // c_proj get 0.02 / sqrt(2 n_layers) as in Hugging Face), ones for norm weights, zeros for biases; seeded.
  void initialize(uint64_t seed);

  // Accumulates every parameter gradient of the loss into params().grads().
  LossResult forward_backward(Arena& arena, const DecoderOnlyBatch& batch);
  // Plain causal batch: tokens and targets I32 [B, T].
  LossResult forward_backward(Arena& arena, const Tensor& tokens, const Tensor& targets);
  // Logits [B, T, vocab] for batch.tokens (with its prefix / segments).
  Tensor logits(Arena& arena, const DecoderOnlyBatch& batch) const;
  Tensor logits(Arena& arena, const Tensor& tokens) const;

  // Generation with a key/value cache (decoder_only_inference.cpp; model/generation.h drives them).
  // A cache for `batch` rows of up to `capacity` tokens (prompt + generated).
  DecoderOnlyCache make_cache(int64_t batch, int64_t capacity) const;
  // Prompts tokens I32 [B, T], right-padded, of lengths I32 [B] (1..T): fills the cache and returns the
  // logits [B, 1, vocab] at each row's last prompt token. prefix [B, T] (required for a prefix-LM model,
  // optional otherwise) flags the prompt positions that attend to each other bidirectionally, as the
  // input part of a prefix-LM training row; generated tokens are causal.
  Tensor prefill(Arena& arena, DecoderOnlyCache& cache, const Tensor& tokens, const Tensor& lengths,
                 const Tensor& prefix = {}) const;
  // tokens I32 [B, 1]: appends one token per row at that row's own position; logits [B, 1, vocab].
  Tensor decode_step(Arena& arena, DecoderOnlyCache& cache, const Tensor& tokens) const;
  // What forward_backward keeps for backward (model/recompute.h); the result is the same at every level.
  void set_recompute(Recompute level) { recompute_ = level; }
  Recompute recompute() const { return recompute_; }
  // forward_backward's short-lived tensors (one block's temporaries, the LM head's logits chunk) live
  // here and are released block by block; the caller's arena holds what outlives a block. Activation
  // memory of a step = the caller's arena peak + this arena's peak.
  const Arena& scratch_arena() const { return scratch_; }

  ParameterStore& params() { return params_; }
  const ParameterStore& params() const { return params_; }
  const ModelConfig& config() const { return config_; }

 private:
  // RMSNorm (llama) or LayerNorm (gpt2).
  class Norm {
   public:
    struct Output {
      Tensor y;
      RMSNorm::Output rms;
      LayerNorm::Output layer;
    };
    Norm(ParameterStore& store, const std::string& prefix, const ModelConfig& config);
    Output forward(Arena& arena, const Tensor& x) const;
    Tensor backward(Arena& arena, const Tensor& x, const Output& saved, const Tensor& dy) const;

   private:
    std::optional<RMSNorm> rms_;
    std::optional<LayerNorm> layer_;
  };
  struct Block {
    Norm attention_norm;
    MultiHeadAttention attention;
    Norm mlp_norm;
    FeedForward mlp;
  };
  struct BlockActivations {
    Tensor input;
    Norm::Output attention_norm;
    AttentionOutput attention;
    Tensor mid;  // input + attention
    Norm::Output mlp_norm;
    FeedForward::Output mlp;
    Tensor output;  // mid + mlp
  };
  struct Forward {
    std::vector<BlockActivations> blocks;
    Tensor positions;
    Tensor last_input;  // input of the final norm
    Norm::Output final;
  };

  // Runs the stack up to the final norm; keeps the block activations when keep_activations (what the
  // recompute level keeps; the rest goes through scratch_).
  Forward hidden_states(Arena& arena, const DecoderOnlyBatch& batch, bool keep_activations) const;
  // One block's forward. The activations recompute drops at `level` come from scratch; the others and
  // the output from arena.
  BlockActivations block_forward(Arena& arena, Arena& scratch, const Block& block, const Tensor& x,
                                 const AttentionMask& mask, const Tensor& rope_positions, Recompute level) const;
  // One block's backward with temporaries (and recomputation) in scratch_; writes d(input) into d_input.
  void block_backward(const Block& block, BlockActivations act, const AttentionMask& mask,
                      const Tensor& rope_positions, const Tensor& dx, const Tensor& d_input);
  AttentionMask mask_for(const DecoderOnlyBatch& batch) const;
  // 0..T-1 per row, restarting at every change of segment id.
  Tensor positions_for(Arena& arena, const DecoderOnlyBatch& batch) const;
  bool gpt2() const { return config_.style == ModelStyle::GPT2; }

  ModelConfig config_;
  ParameterStore params_;
  std::unique_ptr<Embedding> embedding_;
  std::unique_ptr<Embedding> position_embedding_;  // gpt2 only
  std::vector<std::unique_ptr<Block>> blocks_;
  std::unique_ptr<Norm> final_norm_;
  std::unique_ptr<LmHeadLoss> lm_head_;
  Recompute recompute_ = Recompute::None;
  mutable Arena scratch_;
};

}  // namespace hone
