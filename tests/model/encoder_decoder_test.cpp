// The T5-style encoder-decoder as a whole: its hand-written backward is the gradient of its loss (fp64
// finite differences), it matches T5ForConditionalGeneration written out in PyTorch (logits, loss, every
// gradient; padded and packed batches), packing follows t5x, training is deterministic, and bad batches
// are refused.
#include "model/encoder_decoder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "backend/elementwise.h"
#include "core/threads.h"
#include "support/gradcheck.h"
#include "support/tensor_testing.h"
#include "support/torch_reference.h"
#include "train/adamw.h"

namespace hone {
namespace {

// v1.0: ReLU FFN, tied embeddings. v1.1: gated-GELU FFN, untied head. d_kv * n_heads != d_model and the
// stacks have different depths, so nothing relies on the usual shape coincidences. 8 buckets with
// max distance 12 put the test lengths into both the exact and the log-spaced buckets.
EncoderDecoderConfig tiny_config(bool v1_1, int64_t d_model = 8) {
  EncoderDecoderConfig c;
  c.vocab_size = 11;
  c.d_model = d_model;
  c.d_kv = 3;
  c.n_heads = 2;
  c.d_ff = d_model + d_model / 2;
  c.n_encoder_layers = v1_1 ? 3 : 2;
  c.n_decoder_layers = v1_1 ? 2 : 3;
  c.relative_attention_num_buckets = 8;
  c.relative_attention_max_distance = 12;
  c.gated = v1_1;
  c.activation = v1_1 ? Activation::GeluTanh : Activation::ReLU;
  c.tie_embeddings = !v1_1;
  return c;
}

Tensor int_tensor(const Shape& shape, const std::vector<int32_t>& values) {
  Tensor t = Tensor::empty(shape, DType::I32);
  EXPECT_EQ(static_cast<int64_t>(values.size()), t.numel());
  for (size_t i = 0; i < values.size(); ++i) t.data<int32_t>()[i] = values[i];
  return t;
}

// Random tokens in [1, vocab) where mask is nonzero, the pad id 0 elsewhere.
Tensor tokens_where(const Tensor& mask, uint64_t seed, int64_t vocab) {
  Tensor t = testing::random_ints(mask.shape(), seed, vocab - 1);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<int32_t>()[i] = mask.data<int32_t>()[i] ? t.data<int32_t>()[i] + 1 : 0;
  return t;
}

// decoder_input_tokens: the targets shifted right within each segment, starting with the pad id 0.
Tensor shift_right(const Tensor& targets, const Tensor& segments) {
  Tensor t = clone(targets);
  const int64_t batch = targets.size(0), length = targets.size(1);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t i = 0; i < length; ++i) {
      const int32_t* seg = segments.data<int32_t>() + b * length;
      const bool starts = i == 0 || seg[i] != seg[i - 1];
      t.data<int32_t>()[b * length + i] = starts || seg[i] == 0 ? 0 : targets.data<int32_t>()[b * length + i - 1];
    }
  return t;
}

// Two examples per batch, the second one padded at the end of both source and target.
EncoderDecoderBatch padded_batch(int64_t vocab, uint64_t seed = 1) {
  Tensor source_valid = int_tensor({2, 7}, {1, 1, 1, 1, 1, 1, 1, /**/ 1, 1, 1, 1, 0, 0, 0});
  Tensor target_valid = int_tensor({2, 5}, {1, 1, 1, 1, 1, /**/ 1, 1, 1, 0, 0});
  EncoderDecoderBatch batch;
  batch.encoder_input_tokens = tokens_where(source_valid, seed, vocab);
  batch.decoder_target_tokens = tokens_where(target_valid, seed + 1, vocab);
  batch.decoder_input_tokens = shift_right(batch.decoder_target_tokens, target_valid);
  return batch;
}

// Packed rows: row 0 holds two examples and padding, row 1 two examples filling it.
EncoderDecoderBatch packed_batch(int64_t vocab, uint64_t seed = 3) {
  EncoderDecoderBatch batch;
  batch.encoder_segment_ids = int_tensor({2, 8}, {1, 1, 1, 2, 2, 2, 2, 0, /**/ 1, 1, 1, 1, 1, 2, 2, 2});
  batch.decoder_segment_ids = int_tensor({2, 6}, {1, 1, 2, 2, 2, 0, /**/ 1, 1, 1, 2, 2, 2});
  batch.encoder_positions = int_tensor({2, 8}, {0, 1, 2, 0, 1, 2, 3, 0, /**/ 0, 1, 2, 3, 4, 0, 1, 2});
  batch.decoder_positions = int_tensor({2, 6}, {0, 1, 0, 1, 2, 0, /**/ 0, 1, 2, 0, 1, 2});
  batch.encoder_input_tokens = tokens_where(batch.encoder_segment_ids, seed, vocab);
  batch.decoder_target_tokens = tokens_where(batch.decoder_segment_ids, seed + 1, vocab);
  batch.decoder_input_tokens = shift_right(batch.decoder_target_tokens, batch.decoder_segment_ids);
  return batch;
}

class EncoderDecoderGradients : public ::testing::TestWithParam<bool> {};

TEST_P(EncoderDecoderGradients, MatchFiniteDifferencesInF64) {
  // Thousands of tiny passes: one thread checks the same arithmetic without paying an OpenMP barrier per
  // kernel (minutes on a loaded 2-core machine). Thread counts are covered by the training test.
  const int saved_threads = num_threads();
  set_num_threads(1);
  EncoderDecoderModel model(tiny_config(GetParam()), DType::F64);
  model.initialize(3);
  EncoderDecoderBatch batch = padded_batch(model.config().vocab_size);
  Arena arena;
  model.params().zero_grads();
  model.forward_backward(arena, batch);
  arena.reset();
  std::vector<testing::GradCheckInput> inputs;
  for (const Parameter& p : model.params().all()) {
    // A zero gradient would make the check pass for anything; every parameter must be on the loss path
    // (the relative-bias tables included, through the buckets the lengths reach).
    EXPECT_GT(sum_squares(p.grad), 1e-12) << p.name;
    inputs.push_back({p.name, p.value, clone(p.grad)});
  }
  auto loss = [&] {
    double l = model.forward_backward(arena, batch).loss;
    arena.reset();
    return l;
  };
  const double worst = testing::check_gradients(loss, inputs, 1e-6);
  std::printf("worst finite-difference error (%s): %.3g\n", GetParam() ? "v1.1" : "v1.0", worst);
  set_num_threads(saved_threads);
}

INSTANTIATE_TEST_SUITE_P(V1_0TiedAndV1_1Untied, EncoderDecoderGradients, ::testing::Bool());

struct ParityCase {
  bool v1_1;
  bool packed;
};

void PrintTo(const ParityCase& c, std::ostream* out) {
  *out << (c.v1_1 ? "v1.1" : "v1.0") << (c.packed ? " packed" : " padded");
}

class EncoderDecoderParity : public ::testing::TestWithParam<ParityCase> {};

TEST_P(EncoderDecoderParity, MatchesHuggingFaceStyleT5InPyTorch) {
  const ParityCase pc = GetParam();
  EncoderDecoderModel model(tiny_config(pc.v1_1, 16));
  model.initialize(4);
  const int64_t vocab = model.config().vocab_size;
  EncoderDecoderBatch batch = pc.packed ? packed_batch(vocab) : padded_batch(vocab);
  if (pc.packed && pc.v1_1) {
    // Explicit weights, not just 0/1: the loss is sum(w * l) / sum(w).
    batch.decoder_loss_weights = testing::random_tensor({2, 6}, 7, DType::F32, 0.5, 2.0);
    batch.decoder_loss_weights.data<float>()[5] = 0.0f;  // row 0's padding
  }
  Arena arena;
  model.params().zero_grads();
  EncoderDecoderLoss result = model.forward_backward(arena, batch);
  Tensor logits = clone(model.logits(arena, batch));

  testing::TensorMap inputs{{"encoder_input_tokens", batch.encoder_input_tokens},
                            {"decoder_input_tokens", batch.decoder_input_tokens},
                            {"decoder_target_tokens", batch.decoder_target_tokens}};
  if (pc.packed) {
    inputs["encoder_segment_ids"] = batch.encoder_segment_ids;
    inputs["decoder_segment_ids"] = batch.decoder_segment_ids;
  }
  if (batch.decoder_loss_weights.defined()) inputs["decoder_loss_weights"] = batch.decoder_loss_weights;
  for (const Parameter& p : model.params().all()) inputs[p.name] = p.value;
  const EncoderDecoderConfig& c = model.config();
  auto ref = testing::torch_reference(
      "t5_model", "t5_loss", inputs,
      {{"n_heads", c.n_heads}, {"d_kv", c.d_kv}, {"n_encoder_layers", c.n_encoder_layers},
       {"n_decoder_layers", c.n_decoder_layers}, {"relative_attention_num_buckets", c.relative_attention_num_buckets},
       {"relative_attention_max_distance", c.relative_attention_max_distance}, {"gated", c.gated},
       {"activation", std::string(activation_name(c.activation))}, {"tie_embeddings", c.tie_embeddings},
       {"norm_eps", c.norm_eps}});
  const double ref_loss = testing::element(ref.at("loss"), 0);
  const double loss_error = std::abs(result.loss - ref_loss) / ref_loss;
  const double logits_error = testing::max_relative_error(logits, ref.at("logits"));
  EXPECT_LT(loss_error, 1e-5);
  EXPECT_LT(logits_error, 1e-5);
  double worst_grad = 0;
  for (const Parameter& p : model.params().all()) {
    const double e = testing::max_relative_error(p.grad, ref.at("grad." + p.name));
    EXPECT_LT(e, 1e-4) << p.name;
    EXPECT_GT(testing::max_abs(ref.at("grad." + p.name)), 0.0) << p.name << " has no gradient in the reference";
    worst_grad = std::max(worst_grad, e);
  }
  EXPECT_EQ(result.tokens, pc.packed ? (batch.decoder_loss_weights.defined() ? 12 : 11) : 8);
  std::printf("parity %s %s: loss %.3g, logits %.3g, worst gradient %.3g\n", pc.v1_1 ? "v1.1" : "v1.0",
              pc.packed ? "packed" : "padded", loss_error, logits_error, worst_grad);
}

INSTANTIATE_TEST_SUITE_P(Configs, EncoderDecoderParity,
                         ::testing::Values(ParityCase{false, false}, ParityCase{true, false}, ParityCase{false, true},
                                           ParityCase{true, true}),
                         [](const auto& info) {
                           return std::string(info.param.v1_1 ? "V1_1" : "V1_0") + (info.param.packed ? "Packed" : "Padded");
                         });

// t5x semantics: two examples packed into one row get the logits they get alone, although the relative
// bias is computed from the row's token index and not from the positions within each segment.
TEST(EncoderDecoder, PackedExamplesGetTheirUnpackedLogits) {
  EncoderDecoderModel model(tiny_config(true, 16));
  model.initialize(5);
  const int64_t vocab = model.config().vocab_size;
  EncoderDecoderBatch packed = packed_batch(vocab);
  Arena arena;
  Tensor packed_logits = clone(model.logits(arena, packed));
  // Row 1 holds source segments [0, 5) and [5, 8), target segments [0, 3) and [3, 6).
  struct Span {
    int64_t source_begin, source_end, target_begin, target_end;
  };
  for (const Span& s : {Span{0, 5, 0, 3}, Span{5, 8, 3, 6}}) {
    Tensor source = clone(packed.encoder_input_tokens.select(0, 1).slice(0, s.source_begin, s.source_end))
                        .view({1, s.source_end - s.source_begin});
    Tensor target = clone(packed.decoder_input_tokens.select(0, 1).slice(0, s.target_begin, s.target_end))
                        .view({1, s.target_end - s.target_begin});
    Tensor alone = model.logits(arena, source, target);
    Tensor in_row = packed_logits.select(0, 1).slice(0, s.target_begin, s.target_end);
    EXPECT_LT(testing::max_relative_error(alone.select(0, 0), in_row), 1e-5);
  }
}

TEST(EncoderDecoder, HasHuggingFaceT5NamesAndInitialisation) {
  EncoderDecoderConfig c = tiny_config(true, 64);
  c.d_kv = 16;
  c.n_heads = 4;
  c.d_ff = 96;
  c.vocab_size = 100;
  EncoderDecoderModel model(c);
  model.initialize(11);
  ParameterStore& params = model.params();
  // Per stack one bias table, in block 0 only.
  EXPECT_EQ(params.get("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight").shape, Shape({8, 4}));
  EXPECT_EQ(params.get("decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight").shape, Shape({8, 4}));
  EXPECT_THROW(params.get("encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight"), Error);
  EXPECT_EQ(params.get("decoder.block.1.layer.1.EncDecAttention.k.weight").shape, Shape({64, 64}));
  EXPECT_EQ(params.get("decoder.block.1.layer.2.DenseReluDense.wi_1.weight").shape, Shape({96, 64}));
  EXPECT_EQ(params.get("encoder.block.2.layer.1.DenseReluDense.wo.weight").shape, Shape({64, 96}));
  EXPECT_EQ(params.get("lm_head.weight").shape, Shape({100, 64}));
  // Count: shared + lm_head, per encoder block 4 attention + 3 FFN matrices + 2 norms, per decoder block
  // 8 attention + 3 FFN matrices + 3 norms, 2 final norms, 2 bias tables.
  const int64_t attention = 4 * 64 * 64, ffn = 3 * 64 * 96;
  EXPECT_EQ(params.numel(), 2 * 100 * 64 + 3 * (attention + ffn + 2 * 64) + 2 * (2 * attention + ffn + 3 * 64) +
                                2 * 64 + 2 * 8 * 4);

  auto stddev = [&](const std::string& name) { return std::sqrt(sum_squares(params.get(name).value) / params.get(name).value.numel()); };
  EXPECT_NEAR(stddev("shared.weight"), 1.0, 0.05);
  EXPECT_NEAR(stddev("encoder.block.0.layer.0.SelfAttention.q.weight"), 1.0 / std::sqrt(64.0 * 16), 0.05 / 32);
  EXPECT_NEAR(stddev("decoder.block.1.layer.1.EncDecAttention.v.weight"), 1.0 / 8, 0.05 / 8);
  EXPECT_NEAR(stddev("decoder.block.0.layer.0.SelfAttention.o.weight"), 1.0 / 8, 0.05 / 8);
  EXPECT_NEAR(stddev("encoder.block.1.layer.1.DenseReluDense.wo.weight"), 1.0 / std::sqrt(96.0), 0.05 / std::sqrt(96.0));
  EXPECT_NEAR(stddev("encoder.block.1.layer.1.DenseReluDense.wi_0.weight"), 1.0 / 8, 0.05 / 8);
  EXPECT_EQ(testing::element(params.get("decoder.final_layer_norm.weight").value, 5), 1.0);
  // Different parameters draw different numbers.
  EXPECT_NE(testing::element(params.get("encoder.block.0.layer.0.SelfAttention.k.weight").value, 0),
            testing::element(params.get("encoder.block.0.layer.0.SelfAttention.v.weight").value, 0));
}

// Ten AdamW steps memorising one packed batch, returning the losses and the final weights.
std::pair<std::vector<double>, Tensor> train_ten_steps(uint64_t seed) {
  EncoderDecoderModel model(tiny_config(true, 16));
  model.initialize(seed);
  AdamW optimizer(model.params(), {});
  Arena arena;
  EncoderDecoderBatch batch = packed_batch(model.config().vocab_size, 100);
  std::vector<double> losses;
  for (int step = 0; step < 10; ++step) {
    model.params().zero_grads();
    losses.push_back(model.forward_backward(arena, batch).loss);
    // Read before reset(), which clears the count: the first step measures, every later one must fit.
    if (step == 0) {
      EXPECT_GT(arena.fallback_allocations(), 0u);
    } else {
      EXPECT_EQ(arena.fallback_allocations(), 0u) << "steady-state steps must not allocate activations";
    }
    arena.reset();
    optimizer.step(1e-2);
  }
  return {losses, clone(model.params().values())};
}

TEST(EncoderDecoder, TrainingIsDeterministicAndThreadCountOnlyChangesRounding) {
  auto [losses_a, weights_a] = train_ten_steps(9);
  auto [losses_b, weights_b] = train_ten_steps(9);
  EXPECT_EQ(losses_a, losses_b);
  EXPECT_EQ(testing::max_relative_error(weights_a, weights_b), 0.0);
  EXPECT_LT(losses_a.back(), 0.8 * losses_a.front());

  int saved = num_threads();
  set_num_threads(1);
  auto [losses_1, weights_1] = train_ten_steps(9);
  set_num_threads(2);
  auto [losses_2, weights_2] = train_ten_steps(9);
  set_num_threads(saved);
  for (size_t i = 0; i < losses_1.size(); ++i) EXPECT_NEAR(losses_1[i], losses_2[i], 1e-5 * losses_1[i]);
  EXPECT_LT(testing::max_relative_error(weights_1, weights_2), 1e-4);
}

TEST(EncoderDecoder, RefusesBadBatches) {
  EncoderDecoderModel model(tiny_config(false));
  model.initialize(1);
  const int64_t vocab = model.config().vocab_size;
  Arena arena;
  auto refused = [&](EncoderDecoderBatch batch) {
    EXPECT_THROW(model.forward_backward(arena, batch), Error);
    arena.reset();
  };
  const EncoderDecoderBatch good = padded_batch(vocab);
  EXPECT_NO_THROW(model.forward_backward(arena, good));
  arena.reset();

  EncoderDecoderBatch b = good;
  b.decoder_target_tokens = clone(good.decoder_target_tokens.slice(1, 0, 4));  // [2, 4] vs [2, 5]
  refused(b);
  b = good;
  b.decoder_input_tokens = clone(good.decoder_input_tokens.slice(0, 0, 1));  // batch 1 vs 2
  b.decoder_target_tokens = clone(good.decoder_target_tokens.slice(0, 0, 1));
  refused(b);
  b = good;
  b.encoder_input_tokens = clone_as(good.encoder_input_tokens, DType::I64);
  refused(b);
  b = good;
  b.decoder_target_tokens = Tensor{};
  refused(b);
  b = good;
  b.decoder_loss_weights = Tensor::zeros({2, 4}, DType::F32);
  refused(b);
  b = good;
  b.decoder_loss_weights = clone(good.decoder_target_tokens);  // integer weights
  refused(b);
  b = good;
  b.encoder_segment_ids = Tensor::zeros({2, 7}, DType::I32);  // without decoder_segment_ids
  refused(b);
  b = good;
  b.encoder_segment_ids = Tensor::zeros({2, 6}, DType::I32);
  b.decoder_segment_ids = Tensor::zeros({2, 5}, DType::I32);
  refused(b);

  // Token ids at or past the vocabulary, in each of the three token features.
  for (Tensor EncoderDecoderBatch::*feature : {&EncoderDecoderBatch::encoder_input_tokens,
                                               &EncoderDecoderBatch::decoder_input_tokens,
                                               &EncoderDecoderBatch::decoder_target_tokens}) {
    b = good;
    b.*feature = clone(good.*feature);
    (b.*feature).data<int32_t>()[3] = static_cast<int32_t>(vocab);
    refused(b);
    (b.*feature).data<int32_t>()[3] = -3;
    refused(b);
  }
  EXPECT_THROW(model.logits(arena, good.encoder_input_tokens, good.decoder_target_tokens.view({5, 2})), Error);
  arena.reset();

  EncoderDecoderConfig bad = tiny_config(false);
  bad.d_kv = 0;
  EXPECT_THROW(EncoderDecoderModel{bad}, Error);
}

}  // namespace
}  // namespace hone
