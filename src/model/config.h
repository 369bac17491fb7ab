#pragma once
// ModelConfig: the one description of a model's shape for both families hone trains.
//   encoder-decoder, style t5:    T5 v1.0 / v1.1 / Flan-T5 / UL2 (RMSNorm without bias, relative
//                                 position bias per stack, ReLU or gated-GELU FFN, tied or untied head)
//   decoder-only,    style llama: RMSNorm, RoPE, gated FFN (SwiGLU), grouped-query attention
//   decoder-only,    style gpt2:  LayerNorm with bias, learned positions, GELU FFN, biases everywhere
// The style names the Hugging Face architecture the weights are laid out in (parameter names, position
// scheme); the other fields are the knobs. validate() refuses combinations that the style's Hugging Face
// architecture cannot express, so every valid config can be exported as a config.json.
#include <cstdint>
#include <string>
#include <vector>

#include "backend/activation.h"  // Activation: relu, gelu_tanh, gelu (erf), silu

namespace hone {

enum class ModelFamily { EncoderDecoder, DecoderOnly };
enum class ModelStyle { T5, Llama, GPT2 };
enum class NormKind { RMS, Layer };
// How positions enter the model; follows from the style.
enum class PositionKind { RelativeBias, Rotary, Learned };

struct ModelConfig {
  ModelFamily family = ModelFamily::DecoderOnly;
  ModelStyle style = ModelStyle::Llama;

  int64_t vocab_size = 0;
  int64_t d_model = 0;
  int64_t d_ff = 0;
  int64_t n_heads = 0;
  int64_t d_kv = 0;        // per-head width of q, k, v; independent of d_model / n_heads
  int64_t n_kv_heads = 0;  // key/value heads (grouped-query attention); equals n_heads for T5 and GPT-2
  int64_t n_encoder_layers = 0;  // 0 for decoder-only
  int64_t n_decoder_layers = 0;
  int64_t max_positions = 0;  // learned position table size (GPT-2); RoPE/T5: longest sequence expected

  NormKind norm = NormKind::RMS;
  double norm_eps = 1e-6;
  Activation activation = Activation::SiLU;
  bool gated = true;  // FFN is act(x W_gate) * (x W_up) instead of act(x W_in)
  bool tie_embeddings = false;
  bool attention_bias = false;  // biases on the q, k, v, o projections

  int64_t relative_attention_num_buckets = 32;  // T5
  int64_t relative_attention_max_distance = 128;  // T5
  double rope_theta = 10000.0;  // Llama

  double dropout = 0.0;
  bool prefix_lm = false;  // decoder-only: bidirectional attention over the input part, loss on targets

  // Special tokens as written to config.json; -1 means none.
  int64_t pad_token_id = -1;
  int64_t bos_token_id = -1;
  int64_t eos_token_id = -1;
  int64_t decoder_start_token_id = -1;  // encoder-decoder only

  bool is_encoder_decoder() const { return family == ModelFamily::EncoderDecoder; }
  PositionKind positions() const;
  int64_t d_attention() const { return n_heads * d_kv; }      // width of q and of the attention output
  int64_t d_key_value() const { return n_kv_heads * d_kv; }  // width of k and of v
  int64_t n_layers() const { return n_encoder_layers + n_decoder_layers; }

  // Throws hone::Error naming the first problem found and how to fix it.
  void validate() const;
  // Every problem found, one message each (empty when valid).
  std::vector<std::string> problems() const;

  bool operator==(const ModelConfig&) const = default;
};

// A config with the style's conventions filled in (family, norm, activation, gating, tying, epsilon,
// special tokens) and every size zero: presets and readers start from it.
ModelConfig style_defaults(ModelStyle style);

// Names used in config files, the CLI and messages: "encoder_decoder", "t5", "rms", "gelu_tanh", ...
std::string to_string(ModelFamily family);
std::string to_string(ModelStyle style);
std::string to_string(NormKind norm);
std::string to_string(Activation activation);
std::string to_string(PositionKind positions);
// The inverses; an unknown name is an hone::Error listing the accepted ones.
ModelFamily parse_model_family(const std::string& name);
ModelStyle parse_model_style(const std::string& name);
NormKind parse_norm_kind(const std::string& name);
Activation parse_activation_kind(const std::string& name);

// One line for humans: "encoder-decoder t5, 12+12 layers, d_model 768, ...".
std::string describe(const ModelConfig& config);

}  // namespace hone
