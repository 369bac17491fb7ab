#pragma once
// What a model shape costs: exact parameter counts, FLOPs per token and a training-memory estimate.
//
// Parameters (from parameter_shapes(), so they equal the Hugging Face model's named_parameters()):
//   embedding     = token embedding (+ GPT-2's position table); a tied LM head IS the token embedding
//   non-embedding = everything else: every layer, the final norms, T5's relative position bias and an
//                   untied LM head
//
// FLOPs (Kaplan et al. 2020: a multiply-add is 2 FLOPs, backward costs twice forward):
//   decoder-only, n_ctx = source + target tokens:
//     forward per token = 2 N_nonembed + 2 n_layers n_ctx d_attn          (d_attn = n_heads d_kv)
//   encoder-decoder, S source and T target tokens, each stack with its own lengths:
//     encoder, per source token: 2 N_encoder + 2 L_enc S d_attn
//     decoder, per target token: 2 (N_decoder - X) + 2 L_dec T d_attn + 2 L_dec S d_attn (cross-attention)
//     plus 2 X per SOURCE token, X = the cross-attention k/v projections, which read the encoder output
//   training = 3 x forward ("6N plus the attention term"); per token = per sequence / (S + T).
//
// Memory (bytes, F32 everywhere): parameters 4P, gradients 4P, optimizer state AdamW 8P (two moments),
// Adafactor 4 x (rows + columns) per matrix and 4 x size per vector (factored second moment, no first
// moment: the T5 default and torch.optim.Adafactor). Activations kept for backward, per token and layer,
// in elements (d = d_model, q = n_heads d_kv, kv = n_kv_heads d_kv, K = keys attended):
//   self-attention  2d (input, normed) + 2q (queries, attention output) + 2kv (keys, values) + n_heads K
//                   (probabilities)
//   cross-attention 2d + 2q + n_heads S per target token, plus 2kv per source token (encoder k, v)
//   FFN             2d + 3 d_ff gated (gate, up, product) or 2 d_ff (pre-, post-activation)
// plus 2d per token for the final norm and vocab_size logits per token that gets a loss (every token of a
// decoder-only model, the target part with prefix_lm, the decoder tokens of an encoder-decoder).
// Dropout masks and temporary workspaces are not counted.
#include <cstdint>

#include "model/config.h"

namespace hone {

struct ParameterCounts {
  int64_t total = 0;
  int64_t embedding = 0;
  int64_t non_embedding = 0;
  int64_t encoder = 0;  // encoder stack with its final norm (0 for decoder-only)
  int64_t decoder = 0;  // decoder stack with its final norm
  int64_t lm_head = 0;  // untied head only
};

ParameterCounts count_parameters(const ModelConfig& config);

// A training batch: batch sequences of source_length input tokens and target_length target tokens. A
// decoder-only model sees them as one sequence of source_length + target_length tokens (plain causal LM:
// source_length 0).
struct BatchShape {
  int64_t batch = 1;
  int64_t source_length = 0;
  int64_t target_length = 0;
};

// Encoder-decoder: 512 source and 114 target tokens (T5 span corruption); decoder-only: 1024 tokens, or
// max_positions when smaller. Batch 1.
BatchShape default_batch_shape(const ModelConfig& config);
// Throws hone::Error when the shape does not fit the model (empty sequences, too long for learned positions).
void validate_batch_shape(const ModelConfig& config, const BatchShape& shape);

struct FlopsEstimate {
  int64_t tokens_per_sequence = 0;           // S + T
  int64_t encoder_forward_per_sequence = 0;  // 0 for decoder-only
  int64_t decoder_forward_per_sequence = 0;
  int64_t forward_per_sequence = 0;
  int64_t training_per_sequence = 0;  // 3 x forward
  int64_t training_per_step = 0;      // x batch
  double forward_per_token = 0;
  double training_per_token = 0;
  double encoder_forward_per_source_token = 0;  // encoder-decoder only
  double decoder_forward_per_target_token = 0;  // encoder-decoder only
};

FlopsEstimate estimate_flops(const ModelConfig& config, const BatchShape& shape);

struct MemoryEstimate {
  int64_t parameters = 0;
  int64_t gradients = 0;
  int64_t optimizer_adamw = 0;
  int64_t optimizer_adafactor = 0;
  int64_t activations_per_sequence = 0;
  int64_t activations = 0;  // x batch
  int64_t total_adamw = 0;
  int64_t total_adafactor = 0;
};

// Bytes.
MemoryEstimate estimate_memory(const ModelConfig& config, const BatchShape& shape);

}  // namespace hone
