#include "model/decoder_only.h"

#include <cmath>

#include "backend/elementwise.h"
#include "backend/positions.h"
#include "backend/random.h"

namespace hone {

static AttentionConfig attention_config(const ModelConfig& c) {
  AttentionConfig a;
  a.d_model = c.d_model;
  a.n_heads = c.n_heads;
  a.n_kv_heads = c.n_kv_heads;
  a.d_kv = c.d_kv;
  a.scale = 1.0 / std::sqrt(static_cast<double>(c.d_kv));
  a.bias = c.attention_bias;
  a.rope = c.positions() == PositionKind::Rotary;
  a.rope_theta = c.rope_theta;
  a.q_name = "q_proj";
  a.k_name = "k_proj";
  a.v_name = "v_proj";
  a.o_name = c.style == ModelStyle::GPT2 ? "c_proj" : "o_proj";
  return a;
}

DecoderOnlyModel::Norm::Norm(ParameterStore& store, const std::string& prefix, const ModelConfig& config) {
  if (config.norm == NormKind::Layer)
    layer_.emplace(store, prefix, config.d_model, config.norm_eps);
  else
    rms_.emplace(store, prefix, config.d_model, config.norm_eps);
}

DecoderOnlyModel::Norm::Output DecoderOnlyModel::Norm::forward(Arena& arena, const Tensor& x) const {
  Output out;
  if (layer_) {
    out.layer = layer_->forward(arena, x);
    out.y = out.layer.y;
  } else {
    out.rms = rms_->forward(arena, x);
    out.y = out.rms.y;
  }
  return out;
}

Tensor DecoderOnlyModel::Norm::backward(Arena& arena, const Tensor& x, const Output& saved, const Tensor& dy) const {
  return layer_ ? layer_->backward(arena, x, saved.layer, dy) : rms_->backward(arena, x, saved.rms, dy);
}

static const ModelConfig& checked(const ModelConfig& config) {
  config.validate();
  HONE_CHECK(!config.is_encoder_decoder(), "DecoderOnlyModel needs a decoder_only config (llama or gpt2 style), got ",
             describe(config), ": use EncoderDecoderModel for style t5");
  return config;
}

DecoderOnlyModel::DecoderOnlyModel(const ModelConfig& config, DType dtype) : config_(checked(config)), params_(dtype) {
  const bool g = gpt2();
  const std::string root = g ? "transformer" : "model";
  embedding_ = std::make_unique<Embedding>(params_, root + (g ? ".wte" : ".embed_tokens"), config.vocab_size,
                                           config.d_model);
  if (g) position_embedding_ = std::make_unique<Embedding>(params_, "transformer.wpe", config.max_positions, config.d_model);
  const FeedForwardSpec mlp = g ? FeedForwardSpec::gpt2_mlp() : FeedForwardSpec::llama_mlp();
  for (int64_t i = 0; i < config.n_decoder_layers; ++i) {
    const std::string prefix = root + (g ? ".h." : ".layers.") + std::to_string(i);
    blocks_.push_back(std::unique_ptr<Block>(new Block{
        Norm(params_, prefix + (g ? ".ln_1" : ".input_layernorm"), config),
        MultiHeadAttention(params_, prefix + (g ? ".attn" : ".self_attn"), attention_config(config)),
        Norm(params_, prefix + (g ? ".ln_2" : ".post_attention_layernorm"), config),
        FeedForward(params_, prefix + ".mlp", config.d_model, config.d_ff, mlp)}));
  }
  final_norm_ = std::make_unique<Norm>(params_, root + (g ? ".ln_f" : ".norm"), config);
  if (config.tie_embeddings) {
    lm_head_ = std::make_unique<LmHeadLoss>(embedding_->weight());
  } else {
    lm_head_ = std::make_unique<LmHeadLoss>(params_, "lm_head", config.vocab_size, config.d_model);
  }
  params_.finalize();
}

static bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void DecoderOnlyModel::initialize(uint64_t seed) {
  uint64_t stream = 0;
  // GPT-2 scales the projections that write into the residual stream so its variance does not grow
  // with depth.
  const double residual_std = gpt2() ? 0.02 / std::sqrt(2.0 * static_cast<double>(config_.n_decoder_layers)) : 0.02;
  for (const Parameter& p : params_.all()) {
    const bool norm_weight = p.shape.size() == 1 && ends_with(p.name, ".weight") &&
                             (p.name.find("norm") != std::string::npos || p.name.find(".ln_") != std::string::npos);
    if (norm_weight) {
      fill(p.value, 1.0);
    } else if (p.shape.size() == 1) {
      fill(p.value, 0.0);  // biases
    } else {
      fill_normal(p.value, seed, stream, 0.0, ends_with(p.name, "c_proj.weight") ? residual_std : 0.02);
    }
    ++stream;
  }
}

Tensor DecoderOnlyModel::positions_for(Arena& arena, const DecoderOnlyBatch& batch) const {
  Tensor positions = arena.alloc(batch.tokens.shape(), DType::I32);
  segment_positions(batch.segments, positions);
  return positions;
}

AttentionMask DecoderOnlyModel::mask_for(const DecoderOnlyBatch& batch) const {
  AttentionMask mask;
  mask.causal = true;
  HONE_CHECK(!config_.prefix_lm || batch.prefix.defined(),
             "prefix-LM model: the batch needs a prefix mask [batch, length] marking the input part");
  if (batch.prefix.defined()) {
    check_shape(batch.prefix, batch.tokens.shape(), "prefix");
    mask.prefix = batch.prefix;
  }
  if (batch.segments.defined()) {
    check_shape(batch.segments, batch.tokens.shape(), "segments");
    mask.query_segments = batch.segments;
    mask.key_segments = batch.segments;
  }
  return mask;
}

DecoderOnlyModel::BlockActivations DecoderOnlyModel::block_forward(Arena& arena, Arena& scratch, const Block& block,
                                                                   const Tensor& x, const AttentionMask& mask,
                                                                   const Tensor& rope_positions,
                                                                   Recompute level) const {
  Arena& kept = level == Recompute::Layer ? scratch : arena;   // what backward reads as saved
  Arena& cheap = level == Recompute::None ? arena : scratch;   // what Activations recomputes
  BlockActivations act;
  act.input = x;
  act.attention_norm = block.attention_norm.forward(cheap, x);
  act.attention = block.attention.forward(kept, act.attention_norm.y, mask, {}, rope_positions);
  // Residual adds in place where the branch output lives in the right arena: backward never reads it.
  act.mid = act.attention.y;
  add(x, act.attention.y, act.mid);
  act.mlp_norm = block.mlp_norm.forward(cheap, act.mid);
  act.mlp = block.mlp.forward(kept, act.mlp_norm.y, level == Recompute::None ? nullptr : &scratch);
  act.output = level == Recompute::None ? act.mlp.y : arena.alloc(x.shape(), x.dtype());
  add(act.mid, act.mlp.y, act.output);
  return act;
}

DecoderOnlyModel::Forward DecoderOnlyModel::hidden_states(Arena& arena, const DecoderOnlyBatch& batch,
                                                          bool keep_activations) const {
  const Tensor& tokens = batch.tokens;
  HONE_CHECK(tokens.dim() == 2 && tokens.dtype() == DType::I32,
             "decoder-only model: tokens must be I32 [batch, length], got ", tokens.describe());
  Forward f;
  const AttentionMask mask = mask_for(batch);
  f.positions = positions_for(arena, batch);
  Tensor x = embedding_->forward(arena, tokens);
  if (position_embedding_) add(x, position_embedding_->forward(arena, f.positions), x);
  const Tensor rope_positions = config_.positions() == PositionKind::Rotary ? f.positions : Tensor();
  const Recompute level = keep_activations ? recompute_ : Recompute::None;
  for (const auto& block : blocks_) {
    BlockActivations act = block_forward(arena, keep_activations ? scratch_ : arena, *block, x, mask, rope_positions, level);
    x = act.output;
    if (!keep_activations) continue;
    // Forget what lives in scratch_ (the next block reuses it); backward recomputes it.
    if (level == Recompute::Activations) {
      act.attention_norm = {};
      act.attention.saved.x = {};
      act.mlp_norm = {};
      act.mlp.activated = {};
      act.mlp.y = {};
    } else if (level == Recompute::Layer) {
      BlockActivations input_only;
      input_only.input = act.input;
      act = std::move(input_only);
    }
    scratch_.reset();
    f.blocks.push_back(std::move(act));
  }
  f.last_input = x;
  f.final = final_norm_->forward(arena, x);
  return f;
}

void DecoderOnlyModel::block_backward(const Block& block, BlockActivations act, const AttentionMask& mask,
                                      const Tensor& rope_positions, const Tensor& dx, const Tensor& d_input) {
  Arena& scratch = scratch_;
  if (recompute_ == Recompute::Layer) {
    act = block_forward(scratch, scratch, block, act.input, mask, rope_positions, Recompute::None);
  } else if (recompute_ == Recompute::Activations) {
    act.attention_norm = block.attention_norm.forward(scratch, act.input);
    act.attention.saved.x = act.attention_norm.y;
    act.mlp_norm = block.mlp_norm.forward(scratch, act.mid);
    act.mlp.activated = block.mlp.activate(scratch, act.mlp.hidden);
  }
  // out = mid + mlp(norm(mid)): d_mid = dx + norm'(mlp'(dx)).
  Tensor d_mlp_in = block.mlp.backward(scratch, act.mlp_norm.y, act.mlp, dx);
  Tensor d_mid = block.mlp_norm.backward(scratch, act.mid, act.mlp_norm, d_mlp_in);
  add(d_mid, dx, d_mid);
  // mid = input + attention(norm(input)).
  AttentionGrads d_attention = block.attention.backward(scratch, act.attention.saved, d_mid);
  Tensor d_norm_in = block.attention_norm.backward(scratch, act.input, act.attention_norm, d_attention.dx);
  add(d_norm_in, d_mid, d_input);
}

LossResult DecoderOnlyModel::forward_backward(Arena& arena, const DecoderOnlyBatch& batch) {
  check_shape(batch.targets, batch.tokens.shape(), "targets");
  if (batch.loss_weights.defined()) check_shape(batch.loss_weights, batch.tokens.shape(), "loss_weights");
  Forward f = hidden_states(arena, batch, true);
  const AttentionMask mask = mask_for(batch);
  const Tensor rope_positions = config_.positions() == PositionKind::Rotary ? f.positions : Tensor();

  // The gradient flowing down the residual stream alternates between two buffers of the caller's arena;
  // everything else backward allocates is released after each block.
  Tensor dx = arena.alloc(f.last_input.shape(), f.last_input.dtype());
  Tensor d_next = arena.alloc(f.last_input.shape(), f.last_input.dtype());
  LmHeadLossResult head = lm_head_->forward_backward(scratch_, f.final.y, batch.targets, batch.loss_weights);
  copy(final_norm_->backward(scratch_, f.last_input, f.final, head.dhidden), dx);
  scratch_.reset();
  for (int64_t i = static_cast<int64_t>(blocks_.size()) - 1; i >= 0; --i) {
    block_backward(*blocks_[i], std::move(f.blocks[i]), mask, rope_positions, dx, d_next);
    std::swap(dx, d_next);
    scratch_.reset();
  }
  // x = wte[tokens] (+ wpe[positions]): both tables receive the same gradient rows.
  embedding_->backward(batch.tokens, dx);
  if (position_embedding_) position_embedding_->backward(f.positions, dx);
  return {head.loss, head.tokens};
}

LossResult DecoderOnlyModel::forward_backward(Arena& arena, const Tensor& tokens, const Tensor& targets) {
  DecoderOnlyBatch batch;
  batch.tokens = tokens;
  batch.targets = targets;
  return forward_backward(arena, batch);
}

Tensor DecoderOnlyModel::logits(Arena& arena, const DecoderOnlyBatch& batch) const {
  Forward f = hidden_states(arena, batch, false);
  return lm_head_->logits(arena, f.final.y);
}

Tensor DecoderOnlyModel::logits(Arena& arena, const Tensor& tokens) const {
  DecoderOnlyBatch batch;
  batch.tokens = tokens;
  return logits(arena, batch);
}

}  // namespace hone
