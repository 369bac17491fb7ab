// Parameter lists, counts, FLOPs and memory against values worked out by hand for the tiny shapes
// (the formulas are in model/shape_stats.h).
#include <gtest/gtest.h>

#include <map>

#include "core/error.h"
#include "model/parameter_shapes.h"
#include "model/presets.h"
#include "model/shape_stats.h"

namespace hone {
namespace {

std::map<std::string, std::vector<int64_t>> shapes_by_name(const ModelConfig& c) {
  std::map<std::string, std::vector<int64_t>> out;
  for (const ParameterShape& p : parameter_shapes(c)) {
    EXPECT_TRUE(out.emplace(p.name, p.shape).second) << "duplicate " << p.name;
  }
  return out;
}

TEST(ParameterShapes, T5NamesAndShapesFollowHuggingFace) {
  ModelConfig c = preset_config("t5-tiny");  // d 64, d_ff 128, 4 heads x 16, 2+2 layers, gated, untied
  c.d_kv = 24;                               // inner width 96, independent of d_model
  auto shapes = shapes_by_name(c);
  using Shape = std::vector<int64_t>;
  EXPECT_EQ(shapes.at("shared.weight"), (Shape{512, 64}));
  EXPECT_EQ(shapes.at("encoder.block.0.layer.0.SelfAttention.q.weight"), (Shape{96, 64}));
  EXPECT_EQ(shapes.at("encoder.block.0.layer.0.SelfAttention.o.weight"), (Shape{64, 96}));
  EXPECT_EQ(shapes.at("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"), (Shape{32, 4}));
  EXPECT_EQ(shapes.count("encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight"), 0u);
  EXPECT_EQ(shapes.at("encoder.block.1.layer.1.DenseReluDense.wi_0.weight"), (Shape{128, 64}));
  EXPECT_EQ(shapes.at("encoder.block.1.layer.1.DenseReluDense.wo.weight"), (Shape{64, 128}));
  EXPECT_EQ(shapes.at("encoder.final_layer_norm.weight"), (Shape{64}));
  EXPECT_EQ(shapes.at("decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"), (Shape{32, 4}));
  EXPECT_EQ(shapes.at("decoder.block.1.layer.1.EncDecAttention.k.weight"), (Shape{96, 64}));
  EXPECT_EQ(shapes.count("decoder.block.0.layer.1.EncDecAttention.relative_attention_bias.weight"), 0u);
  EXPECT_EQ(shapes.at("decoder.block.1.layer.2.DenseReluDense.wi_1.weight"), (Shape{128, 64}));
  EXPECT_EQ(shapes.at("decoder.block.1.layer.2.layer_norm.weight"), (Shape{64}));
  EXPECT_EQ(shapes.at("lm_head.weight"), (Shape{512, 64}));
  // 1 + per encoder block (4 attention + norm + 3 FFN + norm) + bias + final, same for the decoder with
  // cross-attention, + head.
  EXPECT_EQ(shapes.size(), 1u + (2 * 9 + 1 + 1) + (2 * 14 + 1 + 1) + 1);

  c.gated = false;
  c.activation = Activation::ReLU;
  c.tie_embeddings = true;
  shapes = shapes_by_name(c);
  EXPECT_EQ(shapes.count("encoder.block.0.layer.1.DenseReluDense.wi.weight"), 1u);
  EXPECT_EQ(shapes.count("encoder.block.0.layer.1.DenseReluDense.wi_0.weight"), 0u);
  EXPECT_EQ(shapes.count("lm_head.weight"), 0u);  // the tied head is shared.weight
  EXPECT_EQ(parameter_shapes(c).front().name, "shared.weight");
  EXPECT_EQ(parameter_shapes(c).back().name, "decoder.final_layer_norm.weight");
}

TEST(ParameterShapes, LlamaAndGpt2Layouts) {
  ModelConfig llama = preset_config("llama-tiny");
  llama.attention_bias = true;
  auto shapes = shapes_by_name(llama);
  using Shape = std::vector<int64_t>;
  EXPECT_EQ(shapes.at("model.embed_tokens.weight"), (Shape{512, 64}));
  EXPECT_EQ(shapes.at("model.layers.1.self_attn.k_proj.weight"), (Shape{32, 64}));  // 2 kv heads x 16
  EXPECT_EQ(shapes.at("model.layers.1.self_attn.k_proj.bias"), (Shape{32}));
  EXPECT_EQ(shapes.at("model.layers.0.self_attn.o_proj.weight"), (Shape{64, 64}));
  EXPECT_EQ(shapes.at("model.layers.0.mlp.down_proj.weight"), (Shape{64, 176}));
  EXPECT_EQ(shapes.at("model.layers.0.post_attention_layernorm.weight"), (Shape{64}));
  EXPECT_EQ(shapes.at("model.norm.weight"), (Shape{64}));
  EXPECT_EQ(shapes.at("lm_head.weight"), (Shape{512, 64}));

  auto gpt2 = shapes_by_name(preset_config("gpt2-tiny"));
  EXPECT_EQ(gpt2.at("transformer.wpe.weight"), (Shape{256, 64}));
  EXPECT_EQ(gpt2.at("transformer.h.0.attn.c_attn.weight"), (Shape{64, 192}));  // Conv1D: [in, out]
  EXPECT_EQ(gpt2.at("transformer.h.0.attn.c_attn.bias"), (Shape{192}));
  EXPECT_EQ(gpt2.at("transformer.h.1.mlp.c_proj.weight"), (Shape{256, 64}));
  EXPECT_EQ(gpt2.at("transformer.ln_f.bias"), (Shape{64}));
  EXPECT_EQ(gpt2.count("lm_head.weight"), 0u);
  EXPECT_EQ(gpt2.size(), 2u + 2 * 12 + 2);
}

TEST(ParameterCounts, SplitIntoEmbeddingAndTheRest) {
  // t5-tiny by hand: shared 512*64; encoder block 4*64*64 + 64 + 3*64*128 + 64 = 41,088; decoder block
  // 2*16,384 + 24,576 + 3*64 = 57,536; relative bias 32*4 per stack; final norms 64.
  ParameterCounts t5 = count_parameters(preset_config("t5-tiny"));
  EXPECT_EQ(t5.embedding, 32'768);
  EXPECT_EQ(t5.encoder, 2 * 41'088 + 128 + 64);
  EXPECT_EQ(t5.decoder, 2 * 57'536 + 128 + 64);
  EXPECT_EQ(t5.lm_head, 32'768);
  EXPECT_EQ(t5.non_embedding, t5.encoder + t5.decoder + t5.lm_head);  // an untied head is not embedding
  EXPECT_EQ(t5.total, 263'168);

  // GPT-2: wte and wpe are embedding, the tied head is wte itself.
  ParameterCounts gpt2 = count_parameters(preset_config("gpt2"));
  EXPECT_EQ(gpt2.embedding, 50257 * 768 + 1024 * 768);
  EXPECT_EQ(gpt2.non_embedding, 85'056'000);  // 12 x 7,087,872 + ln_f
  EXPECT_EQ(gpt2.lm_head, 0);
  EXPECT_EQ(gpt2.encoder, 0);

  // Tying moves nothing into the non-embedding count but removes the head.
  ModelConfig untied = preset_config("gpt2");
  untied.tie_embeddings = false;
  ParameterCounts u = count_parameters(untied);
  EXPECT_EQ(u.total - gpt2.total, 50257 * 768);
  EXPECT_EQ(u.non_embedding - gpt2.non_embedding, 50257 * 768);
}

TEST(Flops, DecoderOnlyByHand) {
  // llama-tiny: N_nonembed = 125,248 (158,016 minus the 512x64 embedding), 2 layers, d_attn 64.
  ModelConfig c = preset_config("llama-tiny");
  ASSERT_EQ(count_parameters(c).non_embedding, 125'248);
  FlopsEstimate f = estimate_flops(c, {2, 0, 8});
  // forward per token = 2 N + 2 n_layers n_ctx d_attn = 250,496 + 2*2*8*64
  EXPECT_DOUBLE_EQ(f.forward_per_token, 252'544.0);
  EXPECT_DOUBLE_EQ(f.training_per_token, 757'632.0);
  EXPECT_EQ(f.tokens_per_sequence, 8);
  EXPECT_EQ(f.training_per_sequence, 8 * 757'632);
  EXPECT_EQ(f.training_per_step, 2 * 8 * 757'632);
  EXPECT_EQ(f.encoder_forward_per_sequence, 0);
  // A prefix and a target form one sequence of 8 tokens: same cost.
  EXPECT_EQ(estimate_flops(c, {2, 3, 5}).training_per_step, f.training_per_step);
  // GPT-2 at 1024 tokens: 6N = 510.3 MFLOP plus 6 * 12 * 1024 * 768 for attention.
  FlopsEstimate g = estimate_flops(preset_config("gpt2"), {1, 0, 1024});
  EXPECT_DOUBLE_EQ(g.training_per_token, 6.0 * 85'056'000 + 6.0 * 12 * 1024 * 768);
}

TEST(Flops, EncoderDecoderByHand) {
  // t5-tiny, S = 10, T = 6: N_enc 82,368; N_dec + head 148,032 of which X = 2*2*64*64 = 16,384 are the
  // cross-attention k/v projections applied to the source tokens.
  FlopsEstimate f = estimate_flops(preset_config("t5-tiny"), {3, 10, 6});
  EXPECT_EQ(f.encoder_forward_per_sequence, 10 * (2 * 82'368 + 2 * 2 * 10 * 64));                    // 1,672,960
  EXPECT_EQ(f.decoder_forward_per_sequence, 6 * (2 * 131'648 + 2 * 2 * 6 * 64 + 2 * 2 * 10 * 64) + 10 * 2 * 16'384);
  EXPECT_EQ(f.forward_per_sequence, 3'604'992);
  EXPECT_EQ(f.training_per_sequence, 10'814'976);
  EXPECT_EQ(f.training_per_step, 32'444'928);
  EXPECT_DOUBLE_EQ(f.training_per_token, 675'936.0);  // per source or target token
  EXPECT_DOUBLE_EQ(f.encoder_forward_per_source_token, 167'296.0);
  EXPECT_DOUBLE_EQ(f.decoder_forward_per_target_token, 1'932'032.0 / 6);
}

TEST(Flops, EncoderDecoderIsAboutSixNPerToken) {
  // With short sequences the attention term is small and training FLOPs approach 6 N_nonembed per token
  // when every token passes through both stacks' halves in proportion: here S = T, each stack ~N/2.
  ModelConfig c = preset_config("t5-v1_1-base");
  ParameterCounts n = count_parameters(c);
  FlopsEstimate f = estimate_flops(c, {1, 16, 16});
  double six_n = 6.0 * n.non_embedding / 2;  // each token runs one stack
  EXPECT_NEAR(f.training_per_token / six_n, 1.0, 0.01);
}

TEST(Memory, ParametersGradientsOptimizer) {
  ModelConfig c = preset_config("llama-tiny");
  MemoryEstimate m = estimate_memory(c, {1, 0, 8});
  EXPECT_EQ(m.parameters, 4 * 158'016);
  EXPECT_EQ(m.gradients, 4 * 158'016);
  EXPECT_EQ(m.optimizer_adamw, 8 * 158'016);
  // Adafactor rows + columns: embedding 512+64, per layer q 64+64, k 32+64, v 32+64, o 64+64, three MLP
  // matrices 176+64 each, two norms 64 each; final norm 64; head 512+64.
  EXPECT_EQ(m.optimizer_adafactor, 4 * (576 + 2 * (128 + 96 + 96 + 128 + 3 * 240 + 128) + 64 + 576));
  EXPECT_EQ(m.total_adamw, m.parameters + m.gradients + m.optimizer_adamw + m.activations);
  EXPECT_EQ(m.total_adafactor, m.parameters + m.gradients + m.optimizer_adafactor + m.activations);
}

TEST(Memory, ActivationsByHand) {
  // llama-tiny, 8 tokens: per token and layer self-attention 2*64 + 2*64 + 2*32 + 4*8 = 352, gated FFN
  // 2*64 + 3*176 = 656; per token 2 layers + final norm 128; logits 512 per token.
  ModelConfig llama = preset_config("llama-tiny");
  MemoryEstimate m = estimate_memory(llama, {2, 0, 8});
  EXPECT_EQ(m.activations_per_sequence, 4 * (8 * (2 * (352 + 656) + 128) + 8 * 512));  // 84,992 bytes
  EXPECT_EQ(m.activations, 2 * m.activations_per_sequence);
  // prefix-LM: logits only for the 5 target tokens.
  llama.prefix_lm = true;
  EXPECT_EQ(estimate_memory(llama, {1, 3, 5}).activations_per_sequence, 4 * (8 * (2 * (352 + 656) + 128) + 5 * 512));

  // t5-tiny, S 10, T 6: encoder layer per token 2*64 + 2*64 + 2*64 + 4*10 + (2*64 + 3*128) = 936;
  // decoder layer per token (self 408) + (cross 2*64 + 2*64 + 4*10) + FFN 512 = 1,216; encoder k/v for
  // cross-attention 10 tokens x 2 layers x 128.
  MemoryEstimate t5 = estimate_memory(preset_config("t5-tiny"), {1, 10, 6});
  EXPECT_EQ(t5.activations_per_sequence, 4 * (10 * (2 * 936 + 128) + 10 * 2 * 128 + 6 * (2 * 1216 + 128 + 512)));
  EXPECT_EQ(t5.activations_per_sequence, 163'968);
}

TEST(BatchShapes, DefaultsAndLimits) {
  BatchShape t5 = default_batch_shape(preset_config("t5-base"));
  EXPECT_EQ(t5.source_length, 512);
  EXPECT_EQ(t5.target_length, 114);
  BatchShape tiny = default_batch_shape(preset_config("gpt2-tiny"));
  EXPECT_EQ(tiny.source_length, 0);
  EXPECT_EQ(tiny.target_length, 256);  // its position table
  EXPECT_EQ(default_batch_shape(preset_config("llama-1b")).target_length, 1024);

  auto message = [](const ModelConfig& c, BatchShape s) -> std::string {
    try {
      validate_batch_shape(c, s);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(message(preset_config("gpt2"), {1, 24, 1001}),
            "a sequence of 1025 tokens (source 24 + target 1001) does not fit the learned position table of 1024 "
            "positions: shorten it");
  EXPECT_EQ(message(preset_config("gpt2"), {1, 24, 1000}), "");
  EXPECT_EQ(message(preset_config("llama-tiny"), {1, 0, 100000}), "");  // RoPE has no table
  EXPECT_NE(message(preset_config("t5-tiny"), {1, 0, 8}).find("needs source and target tokens"), std::string::npos);
  EXPECT_NE(message(preset_config("llama-tiny"), {1, 8, 0}).find("needs target tokens"), std::string::npos);
  EXPECT_NE(message(preset_config("llama-tiny"), {0, 0, 8}).find("batch size must be positive"), std::string::npos);
  EXPECT_THROW(estimate_flops(preset_config("gpt2"), {1, 0, 2048}), Error);
  EXPECT_THROW(estimate_memory(preset_config("gpt2"), {1, 0, 2048}), Error);
}

}  // namespace
}  // namespace hone
