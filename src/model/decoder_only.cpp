#include "model/decoder_only.h"

#include <cmath>

#include "backend/elementwise.h"
#include "backend/random.h"

namespace hone {

static AttentionConfig attention_config(const DecoderOnlyConfig& c) {
  AttentionConfig a;
  a.d_model = c.d_model;
  a.n_heads = c.n_heads;
  a.n_kv_heads = c.n_kv_heads > 0 ? c.n_kv_heads : c.n_heads;
  a.d_kv = c.d_model / c.n_heads;
  a.scale = 1.0 / std::sqrt(static_cast<double>(a.d_kv));
  a.rope = true;
  a.rope_theta = c.rope_theta;
  a.q_name = "q_proj";
  a.k_name = "k_proj";
  a.v_name = "v_proj";
  a.o_name = "o_proj";
  return a;
}

DecoderOnlyModel::DecoderOnlyModel(const DecoderOnlyConfig& config, DType dtype) : config_(config), params_(dtype) {
  HONE_CHECK(config.vocab_size > 0 && config.d_model > 0 && config.n_layers > 0 && config.n_heads > 0 &&
                 config.d_ff > 0,
             "decoder-only config needs positive vocab_size, d_model, n_layers, n_heads and d_ff");
  HONE_CHECK(config.d_model % config.n_heads == 0, "d_model ", config.d_model, " is not a multiple of n_heads ",
             config.n_heads);
  embedding_ = std::make_unique<Embedding>(params_, "model.embed_tokens", config.vocab_size, config.d_model);
  for (int64_t i = 0; i < config.n_layers; ++i) {
    const std::string prefix = "model.layers." + std::to_string(i);
    blocks_.push_back(std::unique_ptr<Block>(new Block{
        RMSNorm(params_, prefix + ".input_layernorm", config.d_model, config.norm_eps),
        MultiHeadAttention(params_, prefix + ".self_attn", attention_config(config)),
        RMSNorm(params_, prefix + ".post_attention_layernorm", config.d_model, config.norm_eps),
        FeedForward(params_, prefix + ".mlp", config.d_model, config.d_ff, FeedForwardSpec::llama_mlp())}));
  }
  final_norm_ = std::make_unique<RMSNorm>(params_, "model.norm", config.d_model, config.norm_eps);
  if (config.tie_embeddings) {
    lm_head_ = std::make_unique<LmHeadLoss>(embedding_->weight());
  } else {
    lm_head_ = std::make_unique<LmHeadLoss>(params_, "lm_head", config.vocab_size, config.d_model);
  }
  params_.finalize();
}

void DecoderOnlyModel::initialize(uint64_t seed) {
  uint64_t stream = 0;
  for (const Parameter& p : params_.all()) {
    const bool norm = p.shape.size() == 1 && p.name.find("norm") != std::string::npos;
    if (norm) {
      fill(p.value, 1.0);
    } else if (p.shape.size() == 1) {
      fill(p.value, 0.0);  // biases
    } else {
      fill_normal(p.value, seed, stream, 0.0, 0.02);
    }
    ++stream;
  }
}

Tensor DecoderOnlyModel::positions_for(Arena& arena, const Tensor& tokens) const {
  // 0..T-1 for every sequence, built on the host and copied to the tokens' device.
  Tensor host = Tensor::empty(tokens.shape(), DType::I32);
  const int64_t batch = tokens.size(0), length = tokens.size(1);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < length; ++t) host.data<int32_t>()[b * length + t] = static_cast<int32_t>(t);
  Tensor positions = arena.alloc(tokens.shape(), DType::I32);
  copy(host, positions);
  return positions;
}

RMSNorm::Output DecoderOnlyModel::hidden_states(Arena& arena, const Tensor& tokens,
                                                std::vector<BlockActivations>* activations, Tensor* last_input) const {
  HONE_CHECK(tokens.dim() == 2 && tokens.dtype() == DType::I32, "decoder-only model: tokens must be I32 [batch, length], got ",
             tokens.describe());
  AttentionMask mask;
  mask.causal = true;
  const Tensor positions = positions_for(arena, tokens);
  Tensor x = embedding_->forward(arena, tokens);
  for (const auto& block : blocks_) {
    BlockActivations act;
    act.input = x;
    act.attention_norm = block->attention_norm.forward(arena, x);
    act.attention = block->attention.forward(arena, act.attention_norm.y, mask, {}, positions);
    act.mid = arena.alloc(x.shape(), x.dtype());
    add(x, act.attention.y, act.mid);
    act.mlp_norm = block->mlp_norm.forward(arena, act.mid);
    act.mlp = block->mlp.forward(arena, act.mlp_norm.y);
    Tensor out = arena.alloc(x.shape(), x.dtype());
    add(act.mid, act.mlp.y, out);
    x = out;
    if (activations) activations->push_back(std::move(act));
  }
  if (last_input) *last_input = x;
  return final_norm_->forward(arena, x);
}

LossResult DecoderOnlyModel::forward_backward(Arena& arena, const Tensor& tokens, const Tensor& targets) {
  check_shape(targets, tokens.shape(), "targets");
  std::vector<BlockActivations> activations;
  Tensor last_input;
  RMSNorm::Output final = hidden_states(arena, tokens, &activations, &last_input);
  LmHeadLossResult head = lm_head_->forward_backward(arena, final.y, targets);

  Tensor dx = final_norm_->backward(arena, last_input, final, head.dhidden);
  for (int64_t i = static_cast<int64_t>(blocks_.size()) - 1; i >= 0; --i) {
    const Block& block = *blocks_[i];
    const BlockActivations& act = activations[i];
    // out = mid + mlp(norm(mid)): d_mid = dx + norm'(mlp'(dx)).
    Tensor d_mlp_in = block.mlp.backward(arena, act.mlp_norm.y, act.mlp, dx);
    Tensor d_mid = block.mlp_norm.backward(arena, act.mid, act.mlp_norm, d_mlp_in);
    add(d_mid, dx, d_mid);
    // mid = input + attention(norm(input)).
    AttentionGrads d_attention = block.attention.backward(arena, act.attention.saved, d_mid);
    Tensor d_input = block.attention_norm.backward(arena, act.input, act.attention_norm, d_attention.dx);
    add(d_input, d_mid, d_input);
    dx = d_input;
  }
  embedding_->backward(tokens, dx);
  return {head.loss, head.tokens};
}

Tensor DecoderOnlyModel::logits(Arena& arena, const Tensor& tokens) const {
  RMSNorm::Output final = hidden_states(arena, tokens, nullptr, nullptr);
  return lm_head_->logits(arena, final.y);
}

}  // namespace hone
