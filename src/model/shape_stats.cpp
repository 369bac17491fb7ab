#include "model/shape_stats.h"

#include <algorithm>

#include "core/error.h"
#include "model/parameter_shapes.h"

namespace hone {
namespace {

constexpr int64_t kBytesPerValue = 4;  // F32 parameters, gradients, optimizer state and activations

// Cross-attention key and value projections of all decoder layers (T5 has no attention biases).
int64_t cross_key_value_parameters(const ModelConfig& c) {
  return c.is_encoder_decoder() ? c.n_decoder_layers * 2 * c.d_model * c.d_key_value() : 0;
}

// Activation elements per token of one layer's self-attention sublayer attending over `keys` tokens.
int64_t self_attention_elements(const ModelConfig& c, int64_t keys) {
  return 2 * c.d_model + 2 * c.d_attention() + 2 * c.d_key_value() + c.n_heads * keys;
}

int64_t ffn_elements(const ModelConfig& c) { return 2 * c.d_model + (c.gated ? 3 : 2) * c.d_ff; }

}  // namespace

ParameterCounts count_parameters(const ModelConfig& config) {
  ParameterCounts counts;
  for (const ParameterShape& p : parameter_shapes(config)) {
    const int64_t n = p.numel();
    counts.total += n;
    switch (p.group) {
      case ParameterGroup::TokenEmbedding:
      case ParameterGroup::PositionEmbedding: counts.embedding += n; break;
      case ParameterGroup::Encoder: counts.encoder += n; break;
      case ParameterGroup::Decoder: counts.decoder += n; break;
      case ParameterGroup::LmHead: counts.lm_head += n; break;
    }
  }
  counts.non_embedding = counts.total - counts.embedding;
  return counts;
}

BatchShape default_batch_shape(const ModelConfig& config) {
  if (config.is_encoder_decoder()) return {1, 512, 114};
  const int64_t length = config.max_positions > 0 ? std::min<int64_t>(config.max_positions, 1024) : 1024;
  return {1, 0, length};
}

void validate_batch_shape(const ModelConfig& config, const BatchShape& shape) {
  HONE_CHECK(shape.batch > 0, "batch size must be positive (got ", shape.batch, ")");
  HONE_CHECK(shape.source_length >= 0 && shape.target_length >= 0, "sequence lengths must not be negative (got source ",
             shape.source_length, ", target ", shape.target_length, ")");
  if (config.is_encoder_decoder()) {
    HONE_CHECK(shape.source_length > 0 && shape.target_length > 0,
               "an encoder-decoder model needs source and target tokens (got source ", shape.source_length,
               ", target ", shape.target_length, ")");
  } else {
    const int64_t length = shape.source_length + shape.target_length;
    HONE_CHECK(shape.target_length > 0, "a decoder-only model needs target tokens to learn from (got target length ",
               shape.target_length, ")");
    if (config.positions() == PositionKind::Learned)
      HONE_CHECK(length <= config.max_positions, "a sequence of ", length, " tokens (source ", shape.source_length,
                 " + target ", shape.target_length, ") does not fit the learned position table of ",
                 config.max_positions, " positions: shorten it");
  }
}

FlopsEstimate estimate_flops(const ModelConfig& c, const BatchShape& shape) {
  validate_batch_shape(c, shape);
  const ParameterCounts counts = count_parameters(c);
  const int64_t S = shape.source_length, T = shape.target_length, d_attn = c.d_attention();
  FlopsEstimate f;
  f.tokens_per_sequence = S + T;
  if (c.is_encoder_decoder()) {
    const int64_t cross_kv = cross_key_value_parameters(c);
    const int64_t decoder_params = counts.decoder + counts.lm_head;
    f.encoder_forward_per_sequence = S * (2 * counts.encoder + 2 * c.n_encoder_layers * S * d_attn);
    f.decoder_forward_per_sequence =
        T * (2 * (decoder_params - cross_kv) + 2 * c.n_decoder_layers * T * d_attn + 2 * c.n_decoder_layers * S * d_attn) +
        S * 2 * cross_kv;
    f.encoder_forward_per_source_token = static_cast<double>(f.encoder_forward_per_sequence) / static_cast<double>(S);
    f.decoder_forward_per_target_token = static_cast<double>(f.decoder_forward_per_sequence) / static_cast<double>(T);
  } else {
    const int64_t n_ctx = S + T;
    f.decoder_forward_per_sequence = n_ctx * (2 * counts.non_embedding + 2 * c.n_decoder_layers * n_ctx * d_attn);
  }
  f.forward_per_sequence = f.encoder_forward_per_sequence + f.decoder_forward_per_sequence;
  f.training_per_sequence = 3 * f.forward_per_sequence;
  f.training_per_step = shape.batch * f.training_per_sequence;
  f.forward_per_token = static_cast<double>(f.forward_per_sequence) / static_cast<double>(f.tokens_per_sequence);
  f.training_per_token = 3 * f.forward_per_token;
  return f;
}

MemoryEstimate estimate_memory(const ModelConfig& c, const BatchShape& shape) {
  validate_batch_shape(c, shape);
  MemoryEstimate m;
  int64_t parameters = 0, adafactor_values = 0;
  for (const ParameterShape& p : parameter_shapes(c)) {
    parameters += p.numel();
    adafactor_values += p.shape.size() >= 2 ? p.shape[0] + p.numel() / p.shape[0] : p.numel();
  }
  m.parameters = kBytesPerValue * parameters;
  m.gradients = kBytesPerValue * parameters;
  m.optimizer_adamw = 2 * kBytesPerValue * parameters;
  m.optimizer_adafactor = kBytesPerValue * adafactor_values;

  const int64_t S = shape.source_length, T = shape.target_length, d = c.d_model;
  int64_t elements = 0;
  if (c.is_encoder_decoder()) {
    const int64_t encoder_layer = self_attention_elements(c, S) + ffn_elements(c);
    const int64_t cross_attention = 2 * d + 2 * c.d_attention() + c.n_heads * S;
    const int64_t decoder_layer = self_attention_elements(c, T) + cross_attention + ffn_elements(c);
    elements += S * (c.n_encoder_layers * encoder_layer + 2 * d);
    elements += S * c.n_decoder_layers * 2 * c.d_key_value();  // encoder output projected to keys and values
    elements += T * (c.n_decoder_layers * decoder_layer + 2 * d + c.vocab_size);
  } else {
    const int64_t n = S + T;
    const int64_t layer = self_attention_elements(c, n) + ffn_elements(c);
    const int64_t tokens_with_loss = c.prefix_lm ? T : n;
    elements += n * (c.n_decoder_layers * layer + 2 * d) + tokens_with_loss * c.vocab_size;
  }
  m.activations_per_sequence = kBytesPerValue * elements;
  m.activations = shape.batch * m.activations_per_sequence;
  m.total_adamw = m.parameters + m.gradients + m.optimizer_adamw + m.activations;
  m.total_adafactor = m.parameters + m.gradients + m.optimizer_adafactor + m.activations;
  return m;
}

}  // namespace hone
