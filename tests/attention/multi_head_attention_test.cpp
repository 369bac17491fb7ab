#include <gtest/gtest.h>

#include <cmath>
#include <optional>

#include "attention/attention_cases.h"
#include "backend/elementwise.h"
#include "nn/attention.h"
#include "nn/relative_position_bias.h"
#include "support/gradcheck.h"
#include "support/tensor_testing.h"

namespace hone::testing {
namespace {

struct LayerCase {
  std::string name;
  AttentionConfig config;
  Variant masks;                  // which masks (batch, tq, tk taken from here)
  int relative_bias = 0;          // 0 none, 1 bidirectional, 2 causal
  bool packed_positions = false;  // RoPE positions restart per segment
};

void PrintTo(const LayerCase& c, std::ostream* os) { *os << c.name; }

AttentionConfig t5(int64_t d_model, int64_t heads, int64_t d_kv) {
  AttentionConfig c;
  c.d_model = d_model;
  c.n_heads = heads;
  c.d_kv = d_kv;
  return c;
}

AttentionConfig llama(int64_t d_model, int64_t heads, int64_t kv_heads, int64_t d_kv) {
  AttentionConfig c = t5(d_model, heads, d_kv);
  c.n_kv_heads = kv_heads;
  c.scale = 1.0 / std::sqrt(static_cast<double>(d_kv));
  c.rope = true;
  c.q_name = "q_proj";
  c.k_name = "k_proj";
  c.v_name = "v_proj";
  c.o_name = "o_proj";
  return c;
}

std::vector<LayerCase> layer_cases() {
  std::vector<LayerCase> cases;
  // d_kv (4) differs from d_model / n_heads (3) as in T5 v1.1 / UL2 shapes.
  cases.push_back({"t5_encoder_relative_bias", t5(6, 2, 4), {.name = "t5_encoder_relative_bias", .key_valid = true}, 1});
  cases.push_back({"t5_decoder_relative_bias_causal", t5(6, 2, 4), {.name = "t5_decoder_relative_bias_causal", .causal = true}, 2});
  cases.push_back({"t5_prefix_lm_packed", t5(6, 2, 4), {.name = "t5_prefix_lm_packed", .causal = true, .prefix = true, .segments = true}, 2});
  AttentionConfig cross = t5(6, 2, 4);
  cross.cross = true;
  cross.d_context = 5;
  cases.push_back({"t5_cross_attention_padding", cross, {.name = "t5_cross_attention_padding", .tq = 4, .tk = 6, .key_valid = true}});
  cases.push_back({"t5_cross_attention_segments", cross, {.name = "t5_cross_attention_segments", .tq = 4, .tk = 6, .segments = true}});
  cases.push_back({"llama_gqa_rope_packed", llama(8, 4, 2, 4), {.name = "llama_gqa_rope_packed", .causal = true, .segments = true}, 0, true});
  AttentionConfig mqa = llama(8, 3, 1, 4);
  mqa.rope = false;
  mqa.bias = true;  // GPT-2 style projections with biases
  cases.push_back({"mqa_with_projection_bias", mqa, {.name = "mqa_with_projection_bias", .causal = true, .key_lengths = true}});
  return cases;
}

Tensor rope_positions(const LayerCase& c) {
  std::vector<int32_t> p;
  std::vector<int32_t> segments = segment_ids(c.masks.batch, c.masks.tq);
  for (int64_t b = 0; b < c.masks.batch; ++b) {
    int32_t start = 0;
    for (int64_t t = 0; t < c.masks.tq; ++t) {
      if (c.packed_positions && t > 0 && segments[b * c.masks.tq + t] != segments[b * c.masks.tq + t - 1]) start = t;
      p.push_back(static_cast<int32_t>(t - start));
    }
  }
  return int_tensor({c.masks.batch, c.masks.tq}, p);
}

// One layer (plus the relative bias table) with random weights in the given dtype.
struct Harness {
  ParameterStore store;
  std::optional<MultiHeadAttention> attention;
  std::optional<RelativePositionBias> relative;
  Tensor x, context, positions, probe;
  MaskTensors masks;
  const LayerCase& c;

  Harness(const LayerCase& layer_case, DType dtype) : store(dtype), c(layer_case) {
    const std::string prefix = "encoder.block.0.layer.0.SelfAttention";
    attention.emplace(store, prefix, c.config);
    if (c.relative_bias) relative.emplace(store, prefix, c.config.n_heads, c.relative_bias == 1, 8, 12);
    store.finalize();
    uint64_t seed = 100;
    for (const Parameter& p : store.all()) copy(random_tensor(p.shape, seed++, DType::F64, -0.6, 0.6), p.value);
    const Variant& m = c.masks;
    x = random_tensor({m.batch, m.tq, c.config.d_model}, 1, dtype);
    if (c.config.cross) context = random_tensor({m.batch, m.tk, c.config.d_context}, 2, dtype);
    probe = random_tensor({m.batch, m.tq, c.config.d_model}, 3, dtype);
    masks = make_mask(m);
    if (c.config.rope) positions = rope_positions(c);
  }

  Tensor forward(Arena& arena, AttentionOutput* out = nullptr) {
    const int64_t tk = c.config.cross ? c.masks.tk : c.masks.tq;
    Tensor bias = relative ? relative->forward(arena, c.masks.tq, tk) : Tensor();
    AttentionOutput o = attention->forward(arena, x, masks.mask, bias, positions, context);
    if (out) *out = o;
    return o.y;
  }

  // Runs forward + backward, leaving parameter grads in the store; returns {dx, d_context}.
  AttentionGrads gradients(Arena& arena) {
    store.zero_grads();
    AttentionOutput out;
    forward(arena, &out);
    Tensor bias_grad;
    if (relative) bias_grad = arena.zeros({c.config.n_heads, c.masks.tq, c.masks.tq}, x.dtype());
    AttentionGrads grads = attention->backward(arena, out.saved, probe, bias_grad);
    if (relative) relative->backward(bias_grad);
    return grads;
  }
};

class LayerVariant : public ::testing::TestWithParam<LayerCase> {};

TEST_P(LayerVariant, GradientsMatchFiniteDifferences) {
  Harness h(GetParam(), DType::F64);
  Arena arena;
  AttentionGrads grads = h.gradients(arena);
  std::vector<GradCheckInput> inputs = {{"x", h.x, grads.dx}};
  if (h.context.defined()) inputs.push_back({"context", h.context, grads.d_context});
  for (const Parameter& p : h.store.all()) inputs.push_back({p.name, p.value, p.grad});
  auto loss = [&] {
    Arena scratch;
    return dot(h.forward(scratch), h.probe);
  };
  const double worst = check_gradients(loss, inputs, 1e-7);
  RecordProperty("worst_fd_error", std::to_string(worst * 1e12) + "e-12");
}

TEST_P(LayerVariant, MatchesPyTorch) {
  const LayerCase& c = GetParam();
  Harness h(c, DType::F32);
  Arena arena;
  Tensor y = h.forward(arena);
  Tensor y_copy = clone(y);
  AttentionGrads grads = h.gradients(arena);
  TensorMap inputs = h.masks.named;
  inputs["x"] = h.x;
  inputs["d_y"] = h.probe;
  if (h.context.defined()) inputs["context"] = h.context;
  if (h.positions.defined()) inputs["positions"] = h.positions;
  const std::pair<const Linear*, std::string> projections[] = {
      {&h.attention->q(), "q"}, {&h.attention->k(), "k"}, {&h.attention->v(), "v"}, {&h.attention->o(), "o"}};
  for (auto [linear, short_name] : projections) {
    inputs["w_" + short_name] = linear->weight().value;
    if (linear->bias()) inputs["b_" + short_name] = linear->bias()->value;
  }
  if (h.relative) inputs["table"] = h.relative->table().value;
  nlohmann::json config = {{"n_heads", c.config.n_heads},
                           {"n_kv_heads", c.config.n_kv_heads ? c.config.n_kv_heads : c.config.n_heads},
                           {"scale", c.config.scale},
                           {"causal", c.masks.causal},
                           {"rope", c.config.rope},
                           {"d_kv", c.config.d_kv},
                           {"rope_theta", c.config.rope_theta},
                           {"bidirectional", c.relative_bias == 1},
                           {"num_buckets", 8},
                           {"max_distance", 12}};
  TensorMap ref = torch_reference("attention", "mha", inputs, config);
  EXPECT_LE(max_relative_error(y_copy, ref.at("y")), 1e-5);
  EXPECT_LE(max_relative_error(grads.dx, ref.at("d_x")), 1e-4);
  if (h.context.defined()) {
    EXPECT_LE(max_relative_error(grads.d_context, ref.at("d_context")), 1e-4);
  }
  for (auto [linear, short_name] : projections) {
    EXPECT_LE(max_relative_error(linear->weight().grad, ref.at("d_w_" + short_name)), 1e-4) << short_name;
    if (linear->bias() && short_name == "k") {
      // Softmax ignores a per-row constant, so the key bias gradient is zero up to rounding in both.
      EXPECT_LE(max_abs(linear->bias()->grad), 1e-5 * max_abs(linear->weight().grad));
      EXPECT_LE(max_abs(ref.at("d_b_k")), 1e-5 * max_abs(linear->weight().grad));
    } else if (linear->bias()) {
      EXPECT_LE(max_relative_error(linear->bias()->grad, ref.at("d_b_" + short_name)), 1e-4) << short_name;
    }
  }
  if (h.relative) {
    EXPECT_LE(max_relative_error(h.relative->table().grad, ref.at("d_table")), 1e-4);
  }
}

INSTANTIATE_TEST_SUITE_P(Layers, LayerVariant, ::testing::ValuesIn(layer_cases()),
                         [](const auto& info) { return info.param.name; });

TEST(MultiHeadAttention, RegistersHuggingFaceNames) {
  ParameterStore store;
  AttentionConfig c = llama(8, 4, 2, 4);
  c.bias = true;
  MultiHeadAttention layer(store, "model.layers.0.self_attn", c);
  store.finalize();
  EXPECT_EQ(store.get("model.layers.0.self_attn.q_proj.weight").shape, (Shape{16, 8}));
  EXPECT_EQ(store.get("model.layers.0.self_attn.k_proj.weight").shape, (Shape{8, 8}));
  EXPECT_EQ(store.get("model.layers.0.self_attn.v_proj.bias").shape, (Shape{8}));
  EXPECT_EQ(store.get("model.layers.0.self_attn.o_proj.weight").shape, (Shape{8, 16}));
}

TEST(MultiHeadAttention, BadConfigurationAndInputGiveClearErrors) {
  ParameterStore store;
  EXPECT_THROW(MultiHeadAttention(store, "a", llama(8, 3, 2, 4)), Error);  // 3 heads, 2 kv heads
  AttentionConfig cross_rope = llama(8, 2, 2, 4);
  cross_rope.cross = true;
  EXPECT_THROW(MultiHeadAttention(store, "b", cross_rope), Error);
  MultiHeadAttention layer(store, "c", t5(6, 2, 4));
  store.finalize();
  Arena arena;
  EXPECT_THROW(layer.forward(arena, Tensor::zeros({1, 3, 5}), {}), Error);                         // wrong d_model
  EXPECT_THROW(layer.forward(arena, Tensor::zeros({1, 3, 6}), {}, {}, {}, Tensor::zeros({1, 3, 6})), Error);  // context
}

}  // namespace
}  // namespace hone::testing
