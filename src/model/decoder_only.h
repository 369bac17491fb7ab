#pragma once
// A decoder-only transformer in Llama style (Hugging Face LlamaForCausalLM names): token embedding,
// n_layers of [RMSNorm -> causal self-attention with RoPE and grouped-query heads -> residual,
// RMSNorm -> SwiGLU MLP -> residual], final RMSNorm, LM head fused with the cross-entropy loss.
// Forward and backward are explicit calls of the layers' passes; activations live in the arena.
#include <memory>
#include <vector>

#include "core/arena.h"
#include "nn/attention.h"
#include "nn/embedding.h"
#include "nn/feed_forward.h"
#include "nn/lm_head_loss.h"
#include "nn/rms_norm.h"

namespace hone {

struct DecoderOnlyConfig {
  int64_t vocab_size = 0;
  int64_t d_model = 0;
  int64_t n_layers = 0;
  int64_t n_heads = 0;
  int64_t n_kv_heads = 0;  // 0: same as n_heads
  int64_t d_ff = 0;
  double rope_theta = 10000.0;
  double norm_eps = 1e-6;
  bool tie_embeddings = false;
};

struct LossResult {
  double loss = 0.0;     // mean cross-entropy over non-ignored targets
  int64_t tokens = 0;    // non-ignored targets
};

class DecoderOnlyModel {
 public:
  explicit DecoderOnlyModel(const DecoderOnlyConfig& config, DType dtype = DType::F32);

  // Normal(0, 0.02) matrices and embeddings (GPT-2/Llama practice), ones for norm weights; seeded.
  void initialize(uint64_t seed);

  // tokens and targets I32 [B, T] (targets -100 where no loss applies). Accumulates every parameter
  // gradient of the mean loss into params().grads().
  LossResult forward_backward(Arena& arena, const Tensor& tokens, const Tensor& targets);
  // Logits [B, T, vocab] for tokens [B, T].
  Tensor logits(Arena& arena, const Tensor& tokens) const;

  ParameterStore& params() { return params_; }
  const DecoderOnlyConfig& config() const { return config_; }

 private:
  struct Block {
    RMSNorm attention_norm;
    MultiHeadAttention attention;
    RMSNorm mlp_norm;
    FeedForward mlp;
  };
  struct BlockActivations {
    Tensor input;
    RMSNorm::Output attention_norm;
    AttentionOutput attention;
    Tensor mid;  // input + attention
    RMSNorm::Output mlp_norm;
    FeedForward::Output mlp;
  };

  // Runs the stack up to the final norm; fills activations when given.
  RMSNorm::Output hidden_states(Arena& arena, const Tensor& tokens, std::vector<BlockActivations>* activations,
                                Tensor* last_input) const;
  Tensor positions_for(Arena& arena, const Tensor& tokens) const;

  DecoderOnlyConfig config_;
  ParameterStore params_;
  std::unique_ptr<Embedding> embedding_;
  std::vector<std::unique_ptr<Block>> blocks_;
  std::unique_ptr<RMSNorm> final_norm_;
  std::unique_ptr<LmHeadLoss> lm_head_;
};

}  // namespace hone
