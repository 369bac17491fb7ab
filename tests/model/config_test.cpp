// ModelConfig: validation messages say what is wrong and how to fix it; names parse both ways.
#include <gtest/gtest.h>

#include <functional>

#include "core/error.h"
#include "model/config.h"
#include "model/presets.h"

namespace hone {
namespace {

// The message of the error that validate() throws for config after change, or "" if it passes.
std::string validation_error(const std::string& preset, const std::function<void(ModelConfig&)>& change) {
  ModelConfig c = preset_config(preset);
  change(c);
  try {
    c.validate();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

void expect_error(const std::string& preset, const std::function<void(ModelConfig&)>& change, const std::string& part) {
  std::string message = validation_error(preset, change);
  EXPECT_NE(message.find(part), std::string::npos) << "expected '" << part << "' in: '" << message << "'";
  EXPECT_EQ(message.rfind("invalid model config: ", 0), 0u) << message;
}

TEST(ModelConfig, PresetsPassAndTheUnchangedCheckIsEmpty) {
  EXPECT_EQ(validation_error("llama-tiny", [](ModelConfig&) {}), "");
  EXPECT_TRUE(preset_config("t5-v1_1-base").problems().empty());
}

TEST(ModelConfig, HeadCountsMustDivide) {
  expect_error("llama-tiny", [](ModelConfig& c) { c.n_kv_heads = 3; },
               "n_kv_heads (3) must divide n_heads (4)");
  expect_error("llama-tiny", [](ModelConfig& c) { c.n_kv_heads = 0; }, "n_kv_heads must be positive");
  expect_error("gpt2-tiny", [](ModelConfig& c) { c.n_heads = c.n_kv_heads = 3; },
               "d_kv (16) x n_heads (3) must equal d_model (64)");
  expect_error("t5-tiny", [](ModelConfig& c) { c.n_kv_heads = 2; }, "set n_kv_heads = n_heads (4)");
}

TEST(ModelConfig, SizesMustBePositive) {
  expect_error("t5-tiny", [](ModelConfig& c) { c.vocab_size = 0; }, "vocab_size must be positive (got 0)");
  expect_error("t5-tiny", [](ModelConfig& c) { c.d_model = -4; }, "d_model must be positive (got -4)");
  expect_error("t5-tiny", [](ModelConfig& c) { c.d_ff = 0; }, "d_ff must be positive");
  expect_error("t5-tiny", [](ModelConfig& c) { c.d_kv = 0; }, "d_kv must be positive");
  expect_error("t5-tiny", [](ModelConfig& c) { c.n_encoder_layers = 0; }, "n_encoder_layers must be positive");
  expect_error("llama-tiny", [](ModelConfig& c) { c.n_decoder_layers = 0; }, "n_decoder_layers must be positive");
  expect_error("llama-tiny", [](ModelConfig& c) { c.norm_eps = 0; }, "norm_eps must be positive");
  expect_error("llama-tiny", [](ModelConfig& c) { c.dropout = 1.0; }, "dropout must be in [0, 1)");
}

TEST(ModelConfig, FamilyAndStyleMustAgree) {
  expect_error("llama-tiny", [](ModelConfig& c) { c.n_encoder_layers = 2; }, "a decoder-only model has no encoder");
  expect_error("t5-tiny", [](ModelConfig& c) { c.family = ModelFamily::DecoderOnly; }, "style t5 is encoder-decoder");
  expect_error("llama-tiny", [](ModelConfig& c) { c.family = ModelFamily::EncoderDecoder; },
               "an encoder-decoder model must use style t5");
  expect_error("t5-tiny", [](ModelConfig& c) { c.prefix_lm = true; }, "prefix_lm applies to decoder-only models");
  expect_error("llama-tiny", [](ModelConfig& c) { c.decoder_start_token_id = 0; },
               "decoder_start_token_id applies to encoder-decoder models only");
}

TEST(ModelConfig, StyleConventionsAreEnforced) {
  expect_error("t5-tiny", [](ModelConfig& c) { c.norm = NormKind::Layer; }, "style t5 uses RMS norm");
  expect_error("t5-tiny", [](ModelConfig& c) { c.attention_bias = true; }, "style t5 has no attention biases");
  expect_error("t5-tiny", [](ModelConfig& c) { c.activation = Activation::GeluErf; }, "cannot express a gated exact GELU");
  expect_error("t5-tiny", [](ModelConfig& c) { c.relative_attention_max_distance = 16; },
               "relative_attention_max_distance (16) must exceed relative_attention_num_buckets / 2 (16)");
  expect_error("llama-tiny", [](ModelConfig& c) { c.gated = false; }, "style llama has a gated FFN");
  expect_error("llama-tiny", [](ModelConfig& c) { c.norm = NormKind::Layer; }, "style llama uses RMS norm");
  expect_error("llama-tiny", [](ModelConfig& c) { c.d_kv = 15; }, "d_kv (15) must be even");
  expect_error("gpt2-tiny", [](ModelConfig& c) { c.norm = NormKind::RMS; }, "style gpt2 uses LayerNorm");
  expect_error("gpt2-tiny", [](ModelConfig& c) { c.gated = true; }, "style gpt2 has a plain FFN");
  expect_error("gpt2-tiny", [](ModelConfig& c) { c.max_positions = 0; }, "sizes the learned position table");
  expect_error("gpt2-tiny", [](ModelConfig& c) { c.eos_token_id = 512; },
               "eos_token_id (512) must be a token id below vocab_size (512)");
  // Knobs that the architecture does express are accepted.
  EXPECT_EQ(validation_error("t5-tiny", [](ModelConfig& c) { c.d_kv = 24; }), "");  // d_kv independent of d_model
  EXPECT_EQ(validation_error("t5-tiny", [](ModelConfig& c) { c.activation = Activation::ReLU; c.gated = false; }), "");
  EXPECT_EQ(validation_error("llama-tiny", [](ModelConfig& c) { c.activation = Activation::GeluTanh; }), "");
  EXPECT_EQ(validation_error("llama-tiny", [](ModelConfig& c) { c.prefix_lm = true; c.attention_bias = true; }), "");
  EXPECT_EQ(validation_error("gpt2-tiny", [](ModelConfig& c) { c.tie_embeddings = false; }), "");
}

TEST(ModelConfig, EveryProblemIsReported) {
  ModelConfig c = preset_config("llama-tiny");
  c.vocab_size = 0;
  c.n_kv_heads = 3;
  c.gated = false;
  EXPECT_EQ(c.problems().size(), 3u);
  try {
    c.validate();
    FAIL();
  } catch (const Error& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("vocab_size"), std::string::npos);
    EXPECT_NE(message.find("n_kv_heads (3)"), std::string::npos);
    EXPECT_NE(message.find("gated FFN"), std::string::npos);
    EXPECT_EQ(e.kind(), ErrorKind::Runtime);
  }
}

TEST(ModelConfig, NamesRoundTrip) {
  for (ModelFamily f : {ModelFamily::EncoderDecoder, ModelFamily::DecoderOnly})
    EXPECT_EQ(parse_model_family(to_string(f)), f);
  for (ModelStyle s : {ModelStyle::T5, ModelStyle::Llama, ModelStyle::GPT2}) EXPECT_EQ(parse_model_style(to_string(s)), s);
  for (NormKind n : {NormKind::RMS, NormKind::Layer}) EXPECT_EQ(parse_norm_kind(to_string(n)), n);
  for (Activation a : {Activation::ReLU, Activation::GeluTanh, Activation::GeluErf, Activation::SiLU})
    EXPECT_EQ(parse_activation_kind(to_string(a)), a);
  EXPECT_EQ(to_string(ModelFamily::EncoderDecoder), "encoder_decoder");
  EXPECT_EQ(to_string(Activation::GeluTanh), "gelu_tanh");
  try {
    parse_activation_kind("swiglu");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "unknown activation 'swiglu': use one of relu, gelu_tanh, gelu, silu");
  }
  EXPECT_THROW(parse_model_style("bert"), Error);
}

TEST(ModelConfig, DerivedValues) {
  ModelConfig llama = preset_config("llama-tiny");
  EXPECT_EQ(llama.positions(), PositionKind::Rotary);
  EXPECT_EQ(llama.d_attention(), 64);
  EXPECT_EQ(llama.d_key_value(), 32);
  EXPECT_EQ(preset_config("t5-tiny").positions(), PositionKind::RelativeBias);
  EXPECT_EQ(preset_config("gpt2").positions(), PositionKind::Learned);
  EXPECT_EQ(preset_config("t5-v1_1-base").n_layers(), 24);
  EXPECT_EQ(describe(preset_config("llama-tiny")),
            "decoder-only llama, 2 layers, d_model 64, d_ff 176 (gated silu), 4 heads / 2 kv heads x d_kv 16, vocab 512, "
            "rms norm, rope positions, untied head");
}

}  // namespace
}  // namespace hone
