#include "model/encoder_decoder.h"

#include <cmath>

#include "backend/elementwise.h"
#include "backend/random.h"

namespace hone {

EncoderDecoderConfig encoder_decoder_config(const ModelConfig& c) {
  HONE_CHECK(c.family == ModelFamily::EncoderDecoder, "an encoder-decoder model needs an encoder_decoder config");
  EncoderDecoderConfig m;
  m.vocab_size = c.vocab_size;
  m.d_model = c.d_model;
  m.d_kv = c.d_kv;
  m.d_ff = c.d_ff;
  m.n_heads = c.n_heads;
  m.n_encoder_layers = c.n_encoder_layers;
  m.n_decoder_layers = c.n_decoder_layers;
  m.relative_attention_num_buckets = c.relative_attention_num_buckets;
  m.relative_attention_max_distance = c.relative_attention_max_distance;
  m.gated = c.gated;
  m.activation = c.activation;
  m.tie_embeddings = c.tie_embeddings;
  m.norm_eps = c.norm_eps;
  return m;
}
namespace {

AttentionConfig t5_attention(const EncoderDecoderConfig& c, bool cross) {
  AttentionConfig a;
  a.d_model = c.d_model;
  a.n_heads = c.n_heads;
  a.d_kv = c.d_kv;
  a.scale = 1.0;  // T5: no 1/sqrt(d_kv), it is folded into the query initialisation
  a.cross = cross;
  return a;  // names q, k, v, o, no biases: the defaults
}

FeedForwardSpec t5_ffn(const EncoderDecoderConfig& c) {
  if (c.gated) return FeedForwardSpec::t5_dense_gated_act_dense(c.activation);
  FeedForwardSpec spec = FeedForwardSpec::t5_dense_relu_dense();
  spec.activation = c.activation;
  return spec;
}

bool is_float(DType d) { return d == DType::F32 || d == DType::F64 || d == DType::BF16 || d == DType::F16; }

bool is_integer_mask(DType d) { return d == DType::I32 || d == DType::I64 || d == DType::U8 || d == DType::Bool; }

void check_tokens(const Tensor& t, const char* name) {
  HONE_CHECK(t.defined(), "encoder-decoder batch: ", name, " is missing");
  HONE_CHECK(t.dim() == 2 && t.dtype() == DType::I32 && t.is_contiguous(), "encoder-decoder batch: ", name,
             " must be contiguous I32 [batch, length], got ", t.describe());
}

void check_optional_feature(const Tensor& t, const Shape& shape, const char* name, bool (*dtype_ok)(DType),
                            const char* dtypes) {
  if (!t.defined()) return;
  HONE_CHECK(t.shape() == shape && t.is_contiguous(), "encoder-decoder batch: ", name, " must be contiguous ",
             shape_str(shape), " like its tokens, got ", t.describe());
  HONE_CHECK(dtype_ok(t.dtype()), "encoder-decoder batch: ", name, " must be ", dtypes, ", got ", t.describe());
}

}  // namespace

EncoderDecoderModel::EncoderDecoderModel(const EncoderDecoderConfig& config, DType dtype)
    : config_(config), params_(dtype) {
  const EncoderDecoderConfig& c = config;
  HONE_CHECK(c.vocab_size > 0 && c.d_model > 0 && c.d_kv > 0 && c.d_ff > 0 && c.n_heads > 0 && c.n_encoder_layers > 0 &&
                 c.n_decoder_layers > 0,
             "encoder-decoder config needs positive vocab_size, d_model, d_kv, d_ff, n_heads, n_encoder_layers and "
             "n_decoder_layers");
  shared_ = std::make_unique<Embedding>(params_, "shared", c.vocab_size, c.d_model);
  const FeedForwardSpec ffn = t5_ffn(c);
  for (int64_t i = 0; i < c.n_encoder_layers; ++i) {
    const std::string prefix = "encoder.block." + std::to_string(i) + ".layer.";
    encoder_blocks_.push_back(std::unique_ptr<EncoderBlock>(new EncoderBlock{
        RMSNorm(params_, prefix + "0.layer_norm", c.d_model, c.norm_eps),
        MultiHeadAttention(params_, prefix + "0.SelfAttention", t5_attention(c, false)),
        RMSNorm(params_, prefix + "1.layer_norm", c.d_model, c.norm_eps),
        FeedForward(params_, prefix + "1.DenseReluDense", c.d_model, c.d_ff, ffn)}));
    // Only block 0 owns the table; T5 shares the bias it computes with every later block.
    if (i == 0)
      encoder_position_bias_ = std::make_unique<RelativePositionBias>(
          params_, prefix + "0.SelfAttention", c.n_heads, /*bidirectional=*/true, c.relative_attention_num_buckets,
          c.relative_attention_max_distance);
  }
  encoder_final_norm_ = std::make_unique<RMSNorm>(params_, "encoder.final_layer_norm", c.d_model, c.norm_eps);
  for (int64_t i = 0; i < c.n_decoder_layers; ++i) {
    const std::string prefix = "decoder.block." + std::to_string(i) + ".layer.";
    decoder_blocks_.push_back(std::unique_ptr<DecoderBlock>(new DecoderBlock{
        RMSNorm(params_, prefix + "0.layer_norm", c.d_model, c.norm_eps),
        MultiHeadAttention(params_, prefix + "0.SelfAttention", t5_attention(c, false)),
        RMSNorm(params_, prefix + "1.layer_norm", c.d_model, c.norm_eps),
        MultiHeadAttention(params_, prefix + "1.EncDecAttention", t5_attention(c, true)),
        RMSNorm(params_, prefix + "2.layer_norm", c.d_model, c.norm_eps),
        FeedForward(params_, prefix + "2.DenseReluDense", c.d_model, c.d_ff, ffn)}));
    if (i == 0)
      decoder_position_bias_ = std::make_unique<RelativePositionBias>(
          params_, prefix + "0.SelfAttention", c.n_heads, /*bidirectional=*/false, c.relative_attention_num_buckets,
          c.relative_attention_max_distance);
  }
  decoder_final_norm_ = std::make_unique<RMSNorm>(params_, "decoder.final_layer_norm", c.d_model, c.norm_eps);

  LmHeadLossOptions ignore_pad;
  ignore_pad.loss.ignore_index = 0;  // T5 pad id: the default weights are target != 0
  LmHeadLossOptions weighted;
  weighted.loss.ignore_index = -1;  // never a valid target: the given weights decide alone
  if (c.tie_embeddings) {
    lm_head_ = std::make_unique<LmHeadLoss>(shared_->weight(), ignore_pad);
  } else {
    lm_head_ = std::make_unique<LmHeadLoss>(params_, "lm_head", c.vocab_size, c.d_model, ignore_pad);
  }
  weighted_lm_head_ = std::make_unique<LmHeadLoss>(lm_head_->weight(), weighted);
  params_.finalize();
}

void EncoderDecoderModel::initialize(uint64_t seed) {
  const double d_model = static_cast<double>(config_.d_model);
  const double d_kv = static_cast<double>(config_.d_kv);
  const double inner = static_cast<double>(config_.n_heads) * d_kv;
  auto ends_with = [](const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
  };
  uint64_t stream = 0;
  for (const Parameter& p : params_.all()) {
    const std::string& n = p.name;
    double stddev = 0.0;
    if (n == "shared.weight" || n == "lm_head.weight") {
      stddev = 1.0;
    } else if (ends_with(n, ".q.weight")) {
      stddev = 1.0 / std::sqrt(d_model * d_kv);
    } else if (ends_with(n, ".k.weight") || ends_with(n, ".v.weight") || ends_with(n, ".wi.weight") ||
               ends_with(n, ".wi_0.weight") || ends_with(n, ".wi_1.weight") ||
               ends_with(n, ".relative_attention_bias.weight")) {
      stddev = 1.0 / std::sqrt(d_model);
    } else if (ends_with(n, ".o.weight")) {
      stddev = 1.0 / std::sqrt(inner);
    } else if (ends_with(n, ".wo.weight")) {
      stddev = 1.0 / std::sqrt(static_cast<double>(config_.d_ff));
    } else {
      HONE_CHECK(ends_with(n, "layer_norm.weight"), "EncoderDecoderModel::initialize: no rule for parameter ", n);
    }
    if (stddev > 0) {
      fill_normal(p.value, seed, stream, 0.0, stddev);
    } else {
      fill(p.value, 1.0);
    }
    ++stream;
  }
}

void EncoderDecoderModel::check_batch(const EncoderDecoderBatch& batch, bool training) const {
  check_tokens(batch.encoder_input_tokens, "encoder_input_tokens");
  check_tokens(batch.decoder_input_tokens, "decoder_input_tokens");
  const Shape& source = batch.encoder_input_tokens.shape();
  const Shape& target = batch.decoder_input_tokens.shape();
  HONE_CHECK(source[0] == target[0], "encoder-decoder batch: encoder_input_tokens ", shape_str(source),
             " and decoder_input_tokens ", shape_str(target), " have different batch sizes");
  if (training) {
    check_tokens(batch.decoder_target_tokens, "decoder_target_tokens");
    HONE_CHECK(batch.decoder_target_tokens.shape() == target, "encoder-decoder batch: decoder_target_tokens ",
               shape_str(batch.decoder_target_tokens.shape()), " must match decoder_input_tokens ", shape_str(target));
    check_optional_feature(batch.decoder_loss_weights, target, "decoder_loss_weights", is_float,
                           "a float tensor (F32, F64, BF16 or F16)");
  }
  HONE_CHECK(batch.encoder_segment_ids.defined() == batch.decoder_segment_ids.defined(),
             "encoder-decoder batch: packed examples need both encoder_segment_ids and decoder_segment_ids");
  const char* int_dtypes = "an integer tensor (I32, I64, U8 or Bool)";
  check_optional_feature(batch.encoder_segment_ids, source, "encoder_segment_ids", is_integer_mask, int_dtypes);
  check_optional_feature(batch.decoder_segment_ids, target, "decoder_segment_ids", is_integer_mask, int_dtypes);
  check_optional_feature(batch.encoder_positions, source, "encoder_positions", is_integer_mask, int_dtypes);
  check_optional_feature(batch.decoder_positions, target, "decoder_positions", is_integer_mask, int_dtypes);
}

EncoderDecoderModel::Masks EncoderDecoderModel::masks_for(const EncoderDecoderBatch& batch) const {
  // Encoder pad tokens (id 0) are never keys; key_valid reads "nonzero = real", so the tokens serve as is.
  // The decoder's own keys need no pad mask: decoder padding comes after the real tokens, which the
  // causal rule already hides from every real query (Hugging Face passes no decoder mask either).
  Masks m;
  m.encoder.key_valid = batch.encoder_input_tokens;
  m.decoder.causal = true;
  m.cross.key_valid = batch.encoder_input_tokens;
  if (batch.encoder_segment_ids.defined()) {
    m.encoder.query_segments = m.encoder.key_segments = batch.encoder_segment_ids;
    m.decoder.query_segments = m.decoder.key_segments = batch.decoder_segment_ids;
    m.cross.query_segments = batch.decoder_segment_ids;
    m.cross.key_segments = batch.encoder_segment_ids;
  }
  return m;
}

EncoderDecoderModel::EncoderActivations EncoderDecoderModel::encoder_block_forward(
    Arena& arena, Arena& scratch, const EncoderBlock& block, const Tensor& x, const Masks& masks, const Tensor& bias,
    Recompute level) const {
  Arena& kept = level == Recompute::Layer ? scratch : arena;  // what backward reads as saved
  Arena& cheap = level == Recompute::None ? arena : scratch;  // what Activations recomputes
  EncoderActivations act;
  act.input = x;
  act.attention_norm = block.attention_norm.forward(cheap, x);
  act.attention = block.attention.forward(kept, act.attention_norm.y, masks.encoder, bias);
  // Residual adds in place where the branch output lives in the right arena: backward never reads it.
  act.mid = act.attention.y;
  add(x, act.attention.y, act.mid);
  act.ffn_norm = block.ffn_norm.forward(cheap, act.mid);
  act.ffn = block.ffn.forward(kept, act.ffn_norm.y, level == Recompute::None ? nullptr : &scratch);
  act.output = level == Recompute::None ? act.ffn.y : arena.alloc(x.shape(), x.dtype());
  add(act.mid, act.ffn.y, act.output);
  return act;
}

EncoderDecoderModel::DecoderActivations EncoderDecoderModel::decoder_block_forward(
    Arena& arena, Arena& scratch, const DecoderBlock& block, const Tensor& y, const Masks& masks, const Tensor& bias,
    const Tensor& encoder_output, Recompute level) const {
  Arena& kept = level == Recompute::Layer ? scratch : arena;
  Arena& cheap = level == Recompute::None ? arena : scratch;
  DecoderActivations act;
  act.input = y;
  act.self_attention_norm = block.self_attention_norm.forward(cheap, y);
  act.self_attention = block.self_attention.forward(kept, act.self_attention_norm.y, masks.decoder, bias);
  act.after_self = act.self_attention.y;  // residual adds in place, as in the encoder
  add(y, act.self_attention.y, act.after_self);
  act.cross_attention_norm = block.cross_attention_norm.forward(cheap, act.after_self);
  act.cross_attention =
      block.cross_attention.forward(kept, act.cross_attention_norm.y, masks.cross, {}, {}, encoder_output);
  act.after_cross = act.cross_attention.y;
  add(act.after_self, act.cross_attention.y, act.after_cross);
  act.ffn_norm = block.ffn_norm.forward(cheap, act.after_cross);
  act.ffn = block.ffn.forward(kept, act.ffn_norm.y, level == Recompute::None ? nullptr : &scratch);
  act.output = level == Recompute::None ? act.ffn.y : arena.alloc(y.shape(), y.dtype());
  add(act.after_cross, act.ffn.y, act.output);
  return act;
}

void EncoderDecoderModel::forget_recomputable(EncoderActivations& act) const {
  if (recompute_ == Recompute::Layer) {
    EncoderActivations input_only;
    input_only.input = act.input;
    act = std::move(input_only);
  } else if (recompute_ == Recompute::Activations) {
    act.attention_norm = {};
    act.attention.saved.x = {};
    act.ffn_norm = {};
    act.ffn.activated = act.ffn.y = {};
  }
}

void EncoderDecoderModel::forget_recomputable(DecoderActivations& act) const {
  if (recompute_ == Recompute::Layer) {
    DecoderActivations input_only;
    input_only.input = act.input;
    act = std::move(input_only);
  } else if (recompute_ == Recompute::Activations) {
    act.self_attention_norm = act.cross_attention_norm = act.ffn_norm = {};
    act.self_attention.saved.x = act.cross_attention.saved.x = {};
    act.ffn.activated = act.ffn.y = {};
  }
}

Tensor EncoderDecoderModel::head_input(Arena& arena, const EncoderDecoderBatch& batch, Trace* trace) const {
  const Masks masks = masks_for(batch);
  const int64_t source_length = batch.encoder_input_tokens.size(1);
  const int64_t target_length = batch.decoder_input_tokens.size(1);
  // Training (trace given) follows the recompute level, with the dropped tensors in scratch_.
  const Recompute level = trace ? recompute_ : Recompute::None;
  Arena& scratch = trace ? scratch_ : arena;

  // Encoder. Residual adds go to fresh tensors: backward still needs every block's input.
  const Tensor encoder_bias = encoder_position_bias_->forward(arena, source_length, source_length);
  if (trace) trace->encoder_bias = encoder_bias;
  Tensor x = shared_->forward(arena, batch.encoder_input_tokens);
  for (const auto& block : encoder_blocks_) {
    EncoderActivations act = encoder_block_forward(arena, scratch, *block, x, masks, encoder_bias, level);
    x = act.output;
    if (!trace) continue;
    forget_recomputable(act);
    scratch_.reset();
    trace->encoder.push_back(std::move(act));
  }
  RMSNorm::Output encoder_final = encoder_final_norm_->forward(arena, x);
  if (trace) {
    trace->encoder_last_input = x;
    trace->encoder_final = encoder_final;
  }
  const Tensor& encoder_output = encoder_final.y;

  // Decoder.
  const Tensor decoder_bias = decoder_position_bias_->forward(arena, target_length, target_length);
  if (trace) trace->decoder_bias = decoder_bias;
  Tensor y = shared_->forward(arena, batch.decoder_input_tokens);
  for (const auto& block : decoder_blocks_) {
    DecoderActivations act =
        decoder_block_forward(arena, scratch, *block, y, masks, decoder_bias, encoder_output, level);
    y = act.output;
    if (!trace) continue;
    forget_recomputable(act);
    scratch_.reset();
    trace->decoder.push_back(std::move(act));
  }
  RMSNorm::Output decoder_final = decoder_final_norm_->forward(arena, y);
  if (trace) {
    trace->decoder_last_input = y;
    trace->decoder_final = decoder_final;
  }
  if (!config_.tie_embeddings) return decoder_final.y;
  // Tied head: Hugging Face rescales the decoder output by d_model^-0.5 before the shared embedding.
  Tensor scaled = arena.alloc(decoder_final.y.shape(), decoder_final.y.dtype());
  copy(decoder_final.y, scaled);
  scale(scaled, 1.0 / std::sqrt(static_cast<double>(config_.d_model)));
  return scaled;
}

EncoderDecoderLoss EncoderDecoderModel::forward_backward(Arena& arena, const EncoderDecoderBatch& batch) {
  check_batch(batch, /*training=*/true);
  Trace trace;
  const Tensor hidden = head_input(arena, batch, &trace);
  const Masks masks = masks_for(batch);
  Arena& scratch = scratch_;

  // The head's logits chunk and its other temporaries live in scratch; d(hidden) is copied out.
  LmHeadLossResult head;
  if (batch.decoder_loss_weights.defined()) {
    // The loss kernel reads weights in the compute dtype.
    Tensor weights = arena.alloc(batch.decoder_loss_weights.shape(), hidden.dtype());
    copy(batch.decoder_loss_weights, weights);
    head = weighted_lm_head_->forward_backward(scratch, hidden, batch.decoder_target_tokens, weights);
  } else {
    head = lm_head_->forward_backward(scratch, hidden, batch.decoder_target_tokens);
  }
  if (config_.tie_embeddings) scale(head.dhidden, 1.0 / std::sqrt(static_cast<double>(config_.d_model)));

  // Decoder backward. The relative bias is shared by all self-attention layers of the stack, so its
  // gradient [H, T, T] is summed over them before it reaches the table. The residual-stream gradient
  // alternates between two buffers of the caller's arena; the rest is released after each block.
  const int64_t source_length = batch.encoder_input_tokens.size(1);
  const int64_t target_length = batch.decoder_input_tokens.size(1);
  const DType dtype = hidden.dtype();
  const Tensor& decoder_bias = trace.decoder_bias;
  const Tensor& encoder_output = trace.encoder_final.y;
  Tensor decoder_bias_grad = arena.zeros({config_.n_heads, target_length, target_length}, dtype);
  Tensor d_encoder_output = arena.zeros(encoder_output.shape(), dtype);
  Tensor dy = arena.alloc(trace.decoder_last_input.shape(), dtype);
  Tensor dy_next = arena.alloc(dy.shape(), dtype);
  copy(decoder_final_norm_->backward(scratch, trace.decoder_last_input, trace.decoder_final, head.dhidden), dy);
  scratch.reset();
  for (int64_t i = static_cast<int64_t>(decoder_blocks_.size()) - 1; i >= 0; --i) {
    const DecoderBlock& block = *decoder_blocks_[i];
    DecoderActivations act = std::move(trace.decoder[i]);
    if (recompute_ == Recompute::Layer) {
      act = decoder_block_forward(scratch, scratch, block, act.input, masks, decoder_bias, encoder_output,
                                  Recompute::None);
    } else if (recompute_ == Recompute::Activations) {
      act.self_attention_norm = block.self_attention_norm.forward(scratch, act.input);
      act.self_attention.saved.x = act.self_attention_norm.y;
      act.cross_attention_norm = block.cross_attention_norm.forward(scratch, act.after_self);
      act.cross_attention.saved.x = act.cross_attention_norm.y;
      act.ffn_norm = block.ffn_norm.forward(scratch, act.after_cross);
      act.ffn.activated = block.ffn.activate(scratch, act.ffn.hidden);
    }
    // out = after_cross + ffn(norm(after_cross))
    Tensor d_ffn_in = block.ffn.backward(scratch, act.ffn_norm.y, act.ffn, dy);
    Tensor d_after_cross = block.ffn_norm.backward(scratch, act.after_cross, act.ffn_norm, d_ffn_in);
    add(d_after_cross, dy, d_after_cross);
    // after_cross = after_self + cross_attention(norm(after_self), encoder output)
    AttentionGrads d_cross = block.cross_attention.backward(scratch, act.cross_attention.saved, d_after_cross);
    add(d_encoder_output, d_cross.d_context, d_encoder_output);
    Tensor d_after_self = block.cross_attention_norm.backward(scratch, act.after_self, act.cross_attention_norm, d_cross.dx);
    add(d_after_self, d_after_cross, d_after_self);
    // after_self = input + self_attention(norm(input))
    AttentionGrads d_self = block.self_attention.backward(scratch, act.self_attention.saved, d_after_self, decoder_bias_grad);
    Tensor d_input = block.self_attention_norm.backward(scratch, act.input, act.self_attention_norm, d_self.dx);
    add(d_input, d_after_self, dy_next);
    std::swap(dy, dy_next);
    scratch.reset();
  }
  decoder_position_bias_->backward(decoder_bias_grad);
  shared_->backward(batch.decoder_input_tokens, dy);

  // Encoder backward.
  const Tensor& encoder_bias = trace.encoder_bias;
  Tensor encoder_bias_grad = arena.zeros({config_.n_heads, source_length, source_length}, dtype);
  Tensor dx = arena.alloc(trace.encoder_last_input.shape(), dtype);
  Tensor dx_next = arena.alloc(dx.shape(), dtype);
  copy(encoder_final_norm_->backward(scratch, trace.encoder_last_input, trace.encoder_final, d_encoder_output), dx);
  scratch.reset();
  for (int64_t i = static_cast<int64_t>(encoder_blocks_.size()) - 1; i >= 0; --i) {
    const EncoderBlock& block = *encoder_blocks_[i];
    EncoderActivations act = std::move(trace.encoder[i]);
    if (recompute_ == Recompute::Layer) {
      act = encoder_block_forward(scratch, scratch, block, act.input, masks, encoder_bias, Recompute::None);
    } else if (recompute_ == Recompute::Activations) {
      act.attention_norm = block.attention_norm.forward(scratch, act.input);
      act.attention.saved.x = act.attention_norm.y;
      act.ffn_norm = block.ffn_norm.forward(scratch, act.mid);
      act.ffn.activated = block.ffn.activate(scratch, act.ffn.hidden);
    }
    Tensor d_ffn_in = block.ffn.backward(scratch, act.ffn_norm.y, act.ffn, dx);
    Tensor d_mid = block.ffn_norm.backward(scratch, act.mid, act.ffn_norm, d_ffn_in);
    add(d_mid, dx, d_mid);
    AttentionGrads d_attention = block.attention.backward(scratch, act.attention.saved, d_mid, encoder_bias_grad);
    Tensor d_input = block.attention_norm.backward(scratch, act.input, act.attention_norm, d_attention.dx);
    add(d_input, d_mid, dx_next);
    std::swap(dx, dx_next);
    scratch.reset();
  }
  encoder_position_bias_->backward(encoder_bias_grad);
  shared_->backward(batch.encoder_input_tokens, dx);
  return {head.loss, head.tokens, head.weight};
}

Tensor EncoderDecoderModel::logits(Arena& arena, const EncoderDecoderBatch& batch) const {
  check_batch(batch, /*training=*/false);
  return lm_head_->logits(arena, head_input(arena, batch, nullptr));
}

Tensor EncoderDecoderModel::logits(Arena& arena, const Tensor& encoder_tokens, const Tensor& decoder_tokens) const {
  EncoderDecoderBatch batch;
  batch.encoder_input_tokens = encoder_tokens;
  batch.decoder_input_tokens = decoder_tokens;
  return logits(arena, batch);
}

}  // namespace hone
