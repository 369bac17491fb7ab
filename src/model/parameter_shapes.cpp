#include "model/parameter_shapes.h"

namespace hone {
namespace {

class ShapeList {
 public:
  void add(std::string name, std::vector<int64_t> shape, ParameterGroup group) {
    out.push_back({std::move(name), std::move(shape), group});
  }
  std::vector<ParameterShape> out;
};

// T5: <stack>.block.<i>.layer.<j>.{SelfAttention|EncDecAttention|DenseReluDense}, RMS norms without bias.
void add_t5_stack(ShapeList& list, const ModelConfig& c, const std::string& stack, int64_t n_layers, bool decoder) {
  const ParameterGroup group = decoder ? ParameterGroup::Decoder : ParameterGroup::Encoder;
  const int64_t d = c.d_model, inner = c.d_attention();
  auto attention = [&](const std::string& prefix, bool relative_bias) {
    list.add(prefix + ".q.weight", {inner, d}, group);
    list.add(prefix + ".k.weight", {inner, d}, group);
    list.add(prefix + ".v.weight", {inner, d}, group);
    list.add(prefix + ".o.weight", {d, inner}, group);
    if (relative_bias)
      list.add(prefix + ".relative_attention_bias.weight", {c.relative_attention_num_buckets, c.n_heads}, group);
  };
  for (int64_t i = 0; i < n_layers; ++i) {
    const std::string block = stack + ".block." + std::to_string(i) + ".layer.";
    attention(block + "0.SelfAttention", i == 0);
    list.add(block + "0.layer_norm.weight", {d}, group);
    int ffn_layer = 1;
    if (decoder) {
      attention(block + "1.EncDecAttention", false);
      list.add(block + "1.layer_norm.weight", {d}, group);
      ffn_layer = 2;
    }
    const std::string ffn = block + std::to_string(ffn_layer) + ".DenseReluDense.";
    if (c.gated) {
      list.add(ffn + "wi_0.weight", {c.d_ff, d}, group);
      list.add(ffn + "wi_1.weight", {c.d_ff, d}, group);
    } else {
      list.add(ffn + "wi.weight", {c.d_ff, d}, group);
    }
    list.add(ffn + "wo.weight", {d, c.d_ff}, group);
    list.add(block + std::to_string(ffn_layer) + ".layer_norm.weight", {d}, group);
  }
  list.add(stack + ".final_layer_norm.weight", {d}, group);
}

void add_t5(ShapeList& list, const ModelConfig& c) {
  list.add("shared.weight", {c.vocab_size, c.d_model}, ParameterGroup::TokenEmbedding);
  add_t5_stack(list, c, "encoder", c.n_encoder_layers, false);
  add_t5_stack(list, c, "decoder", c.n_decoder_layers, true);
  if (!c.tie_embeddings) list.add("lm_head.weight", {c.vocab_size, c.d_model}, ParameterGroup::LmHead);
}

void add_llama(ShapeList& list, const ModelConfig& c) {
  const auto group = ParameterGroup::Decoder;
  const int64_t d = c.d_model, q = c.d_attention(), kv = c.d_key_value();
  list.add("model.embed_tokens.weight", {c.vocab_size, d}, ParameterGroup::TokenEmbedding);
  for (int64_t i = 0; i < c.n_decoder_layers; ++i) {
    const std::string layer = "model.layers." + std::to_string(i) + ".";
    auto projection = [&](const std::string& name, int64_t out, int64_t in) {
      list.add(layer + "self_attn." + name + ".weight", {out, in}, group);
      if (c.attention_bias) list.add(layer + "self_attn." + name + ".bias", {out}, group);
    };
    projection("q_proj", q, d);
    projection("k_proj", kv, d);
    projection("v_proj", kv, d);
    projection("o_proj", d, q);
    list.add(layer + "mlp.gate_proj.weight", {c.d_ff, d}, group);
    list.add(layer + "mlp.up_proj.weight", {c.d_ff, d}, group);
    list.add(layer + "mlp.down_proj.weight", {d, c.d_ff}, group);
    list.add(layer + "input_layernorm.weight", {d}, group);
    list.add(layer + "post_attention_layernorm.weight", {d}, group);
  }
  list.add("model.norm.weight", {d}, group);
  if (!c.tie_embeddings) list.add("lm_head.weight", {c.vocab_size, d}, ParameterGroup::LmHead);
}

void add_gpt2(ShapeList& list, const ModelConfig& c) {
  const auto group = ParameterGroup::Decoder;
  const int64_t d = c.d_model;
  list.add("transformer.wte.weight", {c.vocab_size, d}, ParameterGroup::TokenEmbedding);
  list.add("transformer.wpe.weight", {c.max_positions, d}, ParameterGroup::PositionEmbedding);
  for (int64_t i = 0; i < c.n_decoder_layers; ++i) {
    const std::string h = "transformer.h." + std::to_string(i) + ".";
    // Conv1D stores [in, out].
    list.add(h + "ln_1.weight", {d}, group);
    list.add(h + "ln_1.bias", {d}, group);
    list.add(h + "attn.c_attn.weight", {d, 3 * d}, group);
    list.add(h + "attn.c_attn.bias", {3 * d}, group);
    list.add(h + "attn.c_proj.weight", {d, d}, group);
    list.add(h + "attn.c_proj.bias", {d}, group);
    list.add(h + "ln_2.weight", {d}, group);
    list.add(h + "ln_2.bias", {d}, group);
    list.add(h + "mlp.c_fc.weight", {d, c.d_ff}, group);
    list.add(h + "mlp.c_fc.bias", {c.d_ff}, group);
    list.add(h + "mlp.c_proj.weight", {c.d_ff, d}, group);
    list.add(h + "mlp.c_proj.bias", {d}, group);
  }
  list.add("transformer.ln_f.weight", {d}, group);
  list.add("transformer.ln_f.bias", {d}, group);
  if (!c.tie_embeddings) list.add("lm_head.weight", {c.vocab_size, d}, ParameterGroup::LmHead);
}

}  // namespace

int64_t ParameterShape::numel() const {
  int64_t n = 1;
  for (int64_t extent : shape) n *= extent;
  return n;
}

std::vector<ParameterShape> parameter_shapes(const ModelConfig& config) {
  config.validate();
  ShapeList list;
  switch (config.style) {
    case ModelStyle::T5: add_t5(list, config); break;
    case ModelStyle::Llama: add_llama(list, config); break;
    case ModelStyle::GPT2: add_gpt2(list, config); break;
  }
  return std::move(list.out);
}

}  // namespace hone
