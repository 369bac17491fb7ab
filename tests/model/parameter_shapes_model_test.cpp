// parameter_shapes() and the parameters the decoder-only model actually registers agree: llama registers
// the Hugging Face names and shapes directly; gpt2 registers its own layout, and model/hf_weights maps it
// to exactly the Hugging Face list (names, shapes, order) and back without changing a value.
#include <gtest/gtest.h>

#include <map>

#include "backend/elementwise.h"
#include "model/decoder_only.h"
#include "model/hf_weights.h"
#include "model/parameter_shapes.h"
#include "model/presets.h"
#include "model/shape_stats.h"
#include "support/tensor_testing.h"

namespace hone {
namespace {

std::map<std::string, Shape> expected_shapes(const ModelConfig& c) {
  std::map<std::string, Shape> expected;
  for (const ParameterShape& p : parameter_shapes(c)) expected[p.name] = Shape(p.shape.begin(), p.shape.end());
  return expected;
}

TEST(ParameterShapes, MatchTheLlamaModel) {
  for (bool tied : {false, true}) {
    ModelConfig c = preset_config("llama-tiny");
    c.tie_embeddings = tied;
    DecoderOnlyModel model(c);
    std::map<std::string, Shape> registered;
    for (const Parameter& p : model.params().all()) registered[p.name] = p.shape;
    EXPECT_EQ(registered, expected_shapes(c)) << "tied " << tied;
    EXPECT_EQ(model.params().numel(), count_parameters(c).total) << "tied " << tied;
  }
}

TEST(ParameterShapes, MatchTheGpt2ModelThroughTheHuggingFaceMapping) {
  for (bool tied : {true, false}) {
    ModelConfig c = preset_config("gpt2-tiny");
    c.tie_embeddings = tied;
    DecoderOnlyModel model(c);
    model.initialize(5);
    const std::vector<NamedTensor> hf = to_hf_state(c, named_values(model.params()));
    const std::vector<ParameterShape> expected = parameter_shapes(c);
    ASSERT_EQ(hf.size(), expected.size());
    for (size_t i = 0; i < hf.size(); ++i) {
      EXPECT_EQ(hf[i].name, expected[i].name);
      EXPECT_EQ(hf[i].tensor.shape(), Shape(expected[i].shape.begin(), expected[i].shape.end())) << hf[i].name;
    }
    EXPECT_EQ(model.params().numel(), count_parameters(c).total) << "tied " << tied;

    // Back to the internal layout: every parameter, bit for bit.
    const std::vector<NamedTensor> back = from_hf_state(c, hf);
    EXPECT_EQ(back.size(), model.params().all().size());
    for (const NamedTensor& t : back) {
      const Parameter& p = model.params().get(t.name);
      EXPECT_EQ(t.tensor.shape(), p.shape) << t.name;
      EXPECT_EQ(testing::max_relative_error(t.tensor, p.value), 0.0) << t.name;
    }
  }
}

// The fused c_attn holds [q^T | k^T | v^T] and Conv1D weights are transposed: spot-check elements.
TEST(HfWeights, Gpt2LayoutPutsEachElementWhereHuggingFaceExpectsIt) {
  ModelConfig c = preset_config("gpt2-tiny");
  DecoderOnlyModel model(c);
  model.initialize(6);
  std::map<std::string, Tensor> hf;
  for (NamedTensor& t : to_hf_state(c, named_values(model.params()))) hf[t.name] = t.tensor;
  const int64_t d = c.d_model;
  const Tensor& c_attn = hf.at("transformer.h.1.attn.c_attn.weight");  // [d, 3d]
  const Tensor& k = model.params().get("transformer.h.1.attn.k_proj.weight").value;  // [d, d] = [out, in]
  for (auto [row, col] : {std::pair<int64_t, int64_t>{0, 0}, {3, 17}, {d - 1, d - 2}})
    EXPECT_EQ(c_attn.data<float>()[row * 3 * d + d + col], k.data<float>()[col * d + row]);
  const Tensor& v_bias = model.params().get("transformer.h.0.attn.v_proj.bias").value;
  fill(v_bias, 0.5);
  for (NamedTensor& t : to_hf_state(c, named_values(model.params()))) hf[t.name] = t.tensor;
  EXPECT_EQ(hf.at("transformer.h.0.attn.c_attn.bias").data<float>()[2 * d], 0.5f);
  EXPECT_EQ(hf.at("transformer.h.0.attn.c_attn.bias").data<float>()[2 * d - 1], 0.0f);
  const Tensor& c_fc = hf.at("transformer.h.0.mlp.c_fc.weight");  // [d, d_ff]
  const Tensor& fc = model.params().get("transformer.h.0.mlp.c_fc.weight").value;  // [d_ff, d]
  EXPECT_EQ(c_fc.data<float>()[5 * c.d_ff + 7], fc.data<float>()[7 * d + 5]);
}

TEST(HfWeights, Gpt2ImportRejectsUnknownNamesAndWrongShapes) {
  ModelConfig c = preset_config("gpt2-tiny");
  EXPECT_THROW(from_hf_state(c, {{"transformer.h.9.ln_1.weight", Tensor::zeros({c.d_model})}}), Error);
  EXPECT_THROW(from_hf_state(c, {{"transformer.ln_f.weight", Tensor::zeros({c.d_model + 1})}}), Error);
  // The causal-mask buffers old checkpoints carry are skipped.
  EXPECT_TRUE(from_hf_state(c, {{"transformer.h.0.attn.bias", Tensor::zeros({1, 1, 4, 4})}}).empty());
  EXPECT_THROW(to_hf_state(c, {}), Error);
}

TEST(HfWeights, LlamaIsTheIdentity) {
  ModelConfig c = preset_config("llama-tiny");
  DecoderOnlyModel model(c);
  model.initialize(1);
  const std::vector<NamedTensor> hf = to_hf_state(c, named_values(model.params()));
  ASSERT_EQ(hf.size(), model.params().all().size());
  for (const NamedTensor& t : hf) EXPECT_EQ(testing::max_relative_error(t.tensor, model.params().get(t.name).value), 0.0);
}

}  // namespace
}  // namespace hone
