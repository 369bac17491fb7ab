// The decoder-only model as a whole, in llama and gpt2 style, plain causal, prefix-LM and packed: its
// hand-written backward is the gradient of its loss (fp64 finite differences), it matches HF-style
// LlamaForCausalLM / GPT2LMHeadModel references in PyTorch (logits, loss, every gradient; GPT-2 through
// the Hugging Face weight layout of model/hf_weights), packing equals running the sequences alone, and
// training is deterministic.
#include "model/decoder_only.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "backend/elementwise.h"
#include "core/threads.h"
#include "model/hf_weights.h"
#include "support/gradcheck.h"
#include "support/tensor_testing.h"
#include "support/torch_reference.h"
#include "train/adamw.h"

namespace hone {
namespace {

std::string scientific(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3e", value);
  return text;
}

ModelConfig tiny_config(ModelStyle style, bool tied, int64_t d_model = 16) {
  ModelConfig c = style_defaults(style);
  c.vocab_size = 13;
  c.d_model = d_model;
  c.n_decoder_layers = 2;
  c.n_heads = 4;
  c.n_kv_heads = style == ModelStyle::Llama ? 2 : 4;  // grouped-query for llama
  c.d_kv = d_model / 4;
  c.d_ff = d_model + d_model / 2;
  c.max_positions = 8;
  c.tie_embeddings = tied;
  return c;
}

struct Case {
  const char* name;
  ModelStyle style;
  bool tied;
  bool prefix;  // prefix-LM flags on the input part
  bool packed;  // two segments per row, one padding position
};

void PrintTo(const Case& c, std::ostream* out) { *out << c.name; }
std::string case_name(const ::testing::TestParamInfo<Case>& info) { return info.param.name; }

Tensor ints(const Shape& shape, std::vector<int32_t> values) {
  Tensor t = Tensor::empty(shape, DType::I32);
  for (size_t i = 0; i < values.size(); ++i) t.data<int32_t>()[i] = values[i];
  return t;
}

// Tokens [2, 6], next-token targets with two ignored positions; for prefix-LM the prefix positions
// carry no loss, for packing row 1 ends in a padding position.
DecoderOnlyBatch make_batch(const Case& c, int64_t vocab) {
  DecoderOnlyBatch batch;
  batch.tokens = testing::random_ints({2, 6}, 5, vocab);
  batch.targets = testing::random_ints({2, 6}, 6, vocab);
  int32_t* targets = batch.targets.data<int32_t>();
  targets[0] = -100;
  targets[7] = -100;
  if (c.packed) batch.segments = ints({2, 6}, {1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 2, 0});
  if (c.prefix) {
    batch.prefix = c.packed ? ints({2, 6}, {1, 1, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0})
                            : ints({2, 6}, {1, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0});
    for (int i = 0; i < 12; ++i)
      if (batch.prefix.data<int32_t>()[i] && (i + 1) % 6 != 0 && batch.prefix.data<int32_t>()[i + 1]) targets[i] = -100;
  }
  if (c.packed) targets[11] = -100;
  return batch;
}

// Larger weights than the 0.02 init and nonzero biases / norm offsets so every path carries signal.
void randomize(DecoderOnlyModel& model, double matrix_scale) {
  uint64_t seed = 40;
  for (const Parameter& p : model.params().all()) {
    if (p.shape.size() == 2) scale(p.value, matrix_scale);
    else axpy(0.2, testing::random_tensor(p.shape, ++seed, p.value.dtype()), p.value);
  }
}

const Case kCases[] = {
    {"LlamaUntied", ModelStyle::Llama, false, false, false},
    {"LlamaTied", ModelStyle::Llama, true, false, false},
    {"LlamaPrefixPacked", ModelStyle::Llama, false, true, true},
    {"Gpt2Tied", ModelStyle::GPT2, true, false, false},
    {"Gpt2Untied", ModelStyle::GPT2, false, false, false},
    {"Gpt2Prefix", ModelStyle::GPT2, true, true, false},
    {"Gpt2Packed", ModelStyle::GPT2, true, false, true},
    {"Gpt2PrefixPacked", ModelStyle::GPT2, false, true, true},
};

class DecoderOnlyGradients : public ::testing::TestWithParam<Case> {};

TEST_P(DecoderOnlyGradients, MatchFiniteDifferencesInF64) {
  // Thousands of tiny forward passes: one thread, so OpenMP barriers on a busy machine do not dominate.
  const int saved_threads = num_threads();
  set_num_threads(1);
  const Case& c = GetParam();
  DecoderOnlyModel model(tiny_config(c.style, c.tied, 8), DType::F64);
  model.initialize(3);
  randomize(model, 10.0);
  DecoderOnlyBatch batch = make_batch(c, model.config().vocab_size);
  Arena arena;
  model.params().zero_grads();
  model.forward_backward(arena, batch);
  arena.reset();
  std::vector<testing::GradCheckInput> inputs;
  for (const Parameter& p : model.params().all()) inputs.push_back({p.name, p.value, clone(p.grad)});
  auto loss = [&] {
    double l = model.forward_backward(arena, batch).loss;
    arena.reset();
    return l;
  };
  const double worst = testing::check_gradients(loss, inputs, 1e-6);
  RecordProperty("worst_relative_error", scientific(worst));
  set_num_threads(saved_threads);
}

INSTANTIATE_TEST_SUITE_P(Styles, DecoderOnlyGradients, ::testing::ValuesIn(kCases), case_name);

class DecoderOnlyParity : public ::testing::TestWithParam<Case> {};

TEST_P(DecoderOnlyParity, MatchesHuggingFaceStyleModelInPyTorch) {
  const Case& c = GetParam();
  DecoderOnlyModel model(tiny_config(c.style, c.tied));
  model.initialize(4);
  randomize(model, 5.0);
  DecoderOnlyBatch batch = make_batch(c, model.config().vocab_size);
  Arena arena;
  model.params().zero_grads();
  LossResult result = model.forward_backward(arena, batch);
  Tensor logits = clone(model.logits(arena, batch));

  // The reference holds the weights in Hugging Face layout (GPT-2: Conv1D [in, out], fused c_attn).
  const ModelConfig& config = model.config();
  testing::TensorMap inputs{{"tokens", batch.tokens}, {"targets", batch.targets}};
  if (batch.prefix.defined()) inputs["prefix"] = batch.prefix;
  if (batch.segments.defined()) inputs["segments"] = batch.segments;
  for (const NamedTensor& t : to_hf_state(config, named_values(model.params()))) inputs[t.name] = t.tensor;
  const bool gpt2 = c.style == ModelStyle::GPT2;
  auto ref = testing::torch_reference("models", gpt2 ? "gpt2_loss" : "llama_loss", inputs,
                                      {{"n_heads", config.n_heads}, {"n_kv_heads", config.n_kv_heads},
                                       {"n_layers", config.n_decoder_layers}, {"norm_eps", config.norm_eps},
                                       {"rope_theta", config.rope_theta}});
  const double ref_loss = testing::element(ref.at("loss"), 0);
  EXPECT_LT(std::abs(result.loss - ref_loss) / ref_loss, 1e-5);
  EXPECT_LT(testing::max_relative_error(logits, ref.at("logits")), 1e-5);
  const std::vector<NamedTensor> grads = to_hf_state(config, named_grads(model.params()));
  EXPECT_EQ(grads.size(), ref.size() - 2);  // every reference gradient is compared
  double worst = 0.0;
  for (const NamedTensor& g : grads) {
    const double error = testing::max_relative_error(g.tensor, ref.at("grad." + g.name));
    worst = std::max(worst, error);
    EXPECT_LT(error, 1e-4) << g.name;
  }
  RecordProperty("worst_gradient_error", scientific(worst));
  int64_t expected_tokens = 0;
  for (int i = 0; i < 12; ++i) expected_tokens += batch.targets.data<int32_t>()[i] != -100;
  EXPECT_EQ(result.tokens, expected_tokens);
}

const Case kParityCases[] = {
    {"Llama", ModelStyle::Llama, false, false, false},
    {"LlamaPrefix", ModelStyle::Llama, false, true, false},
    {"LlamaPrefixPacked", ModelStyle::Llama, true, true, true},
    {"Gpt2Tied", ModelStyle::GPT2, true, false, false},
    {"Gpt2UntiedPrefix", ModelStyle::GPT2, false, true, false},
    {"Gpt2PrefixPacked", ModelStyle::GPT2, true, true, true},
};

INSTANTIATE_TEST_SUITE_P(Styles, DecoderOnlyParity, ::testing::ValuesIn(kParityCases), case_name);

// Two sequences packed in one row (positions restarting, attention kept per segment) give the logits
// each gets alone; in prefix-LM mode the prefix of the second sequence is its own.
class DecoderOnlyPacking : public ::testing::TestWithParam<ModelStyle> {};

TEST_P(DecoderOnlyPacking, PackedRowEqualsSequencesRunAlone) {
  DecoderOnlyModel model(tiny_config(GetParam(), true));
  model.initialize(7);
  randomize(model, 5.0);
  Arena arena;
  DecoderOnlyBatch packed;
  packed.tokens = ints({1, 7}, {3, 9, 4, 11, 2, 2, 5});
  packed.segments = ints({1, 7}, {1, 1, 1, 2, 2, 2, 2});
  packed.prefix = ints({1, 7}, {1, 1, 0, 1, 1, 1, 0});
  Tensor packed_logits = clone(model.logits(arena, packed));
  DecoderOnlyBatch first, second;
  first.tokens = ints({1, 3}, {3, 9, 4});
  first.prefix = ints({1, 3}, {1, 1, 0});
  second.tokens = ints({1, 4}, {11, 2, 2, 5});
  second.prefix = ints({1, 4}, {1, 1, 1, 0});
  Tensor first_logits = clone(model.logits(arena, first));
  Tensor second_logits = clone(model.logits(arena, second));
  const int64_t vocab = model.config().vocab_size;
  Tensor packed_flat = packed_logits.view({7, vocab});
  EXPECT_LT(testing::max_relative_error(clone(packed_flat.slice(0, 0, 3)), first_logits.view({3, vocab})), 1e-5);
  EXPECT_LT(testing::max_relative_error(clone(packed_flat.slice(0, 3, 7)), second_logits.view({4, vocab})), 1e-5);
  // Without the segment ids the second sequence sees the first one: the logits must change.
  DecoderOnlyBatch unpacked = packed;
  unpacked.segments = Tensor();
  unpacked.prefix = ints({1, 7}, {1, 1, 0, 0, 0, 0, 0});
  Tensor unpacked_logits = clone(model.logits(arena, unpacked));
  EXPECT_GT(testing::max_relative_error(clone(unpacked_logits.view({7, vocab}).slice(0, 3, 7)),
                                        second_logits.view({4, vocab})),
            1e-3);
}

INSTANTIATE_TEST_SUITE_P(Styles, DecoderOnlyPacking, ::testing::Values(ModelStyle::Llama, ModelStyle::GPT2),
                         [](const auto& info) { return to_string(info.param); });

TEST(DecoderOnly, PrefixLmConfigNeedsAPrefixMask) {
  ModelConfig c = tiny_config(ModelStyle::GPT2, true);
  c.prefix_lm = true;
  DecoderOnlyModel model(c);
  Arena arena;
  EXPECT_THROW(model.logits(arena, testing::random_ints({1, 4}, 1, c.vocab_size)), Error);
  DecoderOnlyBatch batch;
  batch.tokens = testing::random_ints({1, 4}, 1, c.vocab_size);
  batch.prefix = ints({1, 4}, {1, 1, 0, 0});
  EXPECT_EQ(model.logits(arena, batch).shape(), (Shape{1, 4, c.vocab_size}));
}

TEST(DecoderOnly, RejectsEncoderDecoderConfigs) {
  ModelConfig c = style_defaults(ModelStyle::T5);
  c.vocab_size = 13;
  c.d_model = 8;
  c.d_ff = 8;
  c.n_heads = 2;
  c.n_kv_heads = 2;
  c.d_kv = 4;
  c.n_encoder_layers = 1;
  c.n_decoder_layers = 1;
  EXPECT_THROW(DecoderOnlyModel model(c), Error);
}

// Ten AdamW steps memorising one batch, returning the losses and the final weights.
std::pair<std::vector<double>, Tensor> train_ten_steps(ModelStyle style, uint64_t seed) {
  ModelConfig c = tiny_config(style, style == ModelStyle::GPT2);
  c.vocab_size = 20;
  c.max_positions = 16;
  DecoderOnlyModel model(c);
  model.initialize(seed);
  AdamW optimizer(model.params(), {});
  Arena arena;
  std::vector<double> losses;
  Tensor tokens = testing::random_ints({4, 9}, 100, 20);
  Tensor targets = testing::random_ints({4, 9}, 200, 20);
  for (int step = 0; step < 10; ++step) {
    model.params().zero_grads();
    losses.push_back(model.forward_backward(arena, tokens, targets).loss);
    // The first step measures the arena; every later step must fit in it without allocating.
    if (step == 0) EXPECT_GT(arena.fallback_allocations(), 0u);
    else EXPECT_EQ(arena.fallback_allocations(), 0u) << "step " << step << " allocated activations";
    arena.reset();
    optimizer.step(1e-2);
  }
  return {losses, clone(model.params().values())};
}

class DecoderOnlyTraining : public ::testing::TestWithParam<ModelStyle> {};

TEST_P(DecoderOnlyTraining, IsDeterministicAndThreadCountOnlyChangesRounding) {
  auto [losses_a, weights_a] = train_ten_steps(GetParam(), 9);
  auto [losses_b, weights_b] = train_ten_steps(GetParam(), 9);
  EXPECT_EQ(losses_a, losses_b);
  EXPECT_EQ(testing::max_relative_error(weights_a, weights_b), 0.0);
  EXPECT_LT(losses_a.back(), losses_a.front());

  int saved = num_threads();
  set_num_threads(1);
  auto [losses_1, weights_1] = train_ten_steps(GetParam(), 9);
  set_num_threads(2);
  auto [losses_2, weights_2] = train_ten_steps(GetParam(), 9);
  set_num_threads(saved);
  for (size_t i = 0; i < losses_1.size(); ++i) EXPECT_NEAR(losses_1[i], losses_2[i], 1e-5 * losses_1[i]);
  EXPECT_LT(testing::max_relative_error(weights_1, weights_2), 1e-4);
}

INSTANTIATE_TEST_SUITE_P(Styles, DecoderOnlyTraining, ::testing::Values(ModelStyle::Llama, ModelStyle::GPT2),
                         [](const auto& info) { return to_string(info.param); });

}  // namespace
}  // namespace hone
