// Recomputation levels (model/recompute.h): for Llama-, GPT-2- and T5-style models, Activations and Layer
// give the loss and every parameter gradient of None bit for bit (the same kernels rerun on the same
// inputs), in the first step (arenas measuring) and the second (arenas reused), and the activation
// high-water mark (caller's arena + the model's scratch arena) falls: Layer < Activations <= None.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "model/decoder_only.h"
#include "model/encoder_decoder.h"
#include "support/tensor_testing.h"

namespace hone {
namespace {

struct StepResult {
  double loss = 0.0;
  std::vector<float> grads;
  size_t activation_bytes = 0;  // caller's arena peak + scratch arena peak
};

std::vector<float> grads_of(const ParameterStore& params) {
  const Tensor g = params.grads();
  return std::vector<float>(g.data<float>(), g.data<float>() + g.numel());
}

// Two steps of one freshly built model (same seed every time) at `level`; the second step must equal the
// first exactly, since the arenas then hand out reused memory instead of fresh blocks.
template <class Model, class Step>
StepResult two_steps(const std::function<std::unique_ptr<Model>()>& build, Recompute level, Step step) {
  std::unique_ptr<Model> model = build();
  model->set_recompute(level);
  Arena arena;
  StepResult first;
  first.loss = step(*model, arena);
  first.grads = grads_of(model->params());
  model->params().zero_grads();
  arena.reset();
  StepResult second;
  second.loss = step(*model, arena);
  second.grads = grads_of(model->params());
  EXPECT_EQ(first.loss, second.loss) << "second step (reused arenas) changed the loss";
  EXPECT_TRUE(first.grads == second.grads) << "second step (reused arenas) changed the gradients";
  second.activation_bytes = arena.peak() + model->scratch_arena().peak();
  return second;
}

size_t first_difference(const std::vector<float>& a, const std::vector<float>& b) {
  for (size_t i = 0; i < a.size(); ++i)
    if (std::memcmp(&a[i], &b[i], sizeof(float)) != 0) return i;
  return a.size();
}

template <class Model, class Step>
void check_levels(const std::function<std::unique_ptr<Model>()>& build, Step step) {
  const StepResult none = two_steps(build, Recompute::None, step);
  const StepResult activations = two_steps(build, Recompute::Activations, step);
  const StepResult layer = two_steps(build, Recompute::Layer, step);
  ASSERT_GT(none.grads.size(), 0u);
  double grad_norm = 0;
  for (float g : none.grads) grad_norm += static_cast<double>(g) * g;
  EXPECT_GT(grad_norm, 0.0) << "the reference gradients are all zero: the comparison would prove nothing";
  for (const auto& [name, r] : {std::pair{"activations", &activations}, std::pair{"layer", &layer}}) {
    EXPECT_EQ(r->loss, none.loss) << name;
    ASSERT_EQ(r->grads.size(), none.grads.size()) << name;
    const size_t i = first_difference(r->grads, none.grads);
    EXPECT_EQ(i, none.grads.size()) << name << ": gradient element " << i << " differs: " << r->grads[i] << " vs "
                                    << none.grads[i];
  }
  std::printf("activation bytes: none %zu, activations %zu, layer %zu\n", none.activation_bytes,
              activations.activation_bytes, layer.activation_bytes);
  EXPECT_LE(activations.activation_bytes, none.activation_bytes);
  EXPECT_LT(layer.activation_bytes, activations.activation_bytes);
}

ModelConfig decoder_config(ModelStyle style) {
  ModelConfig c = style_defaults(style);
  c.vocab_size = 64;
  c.d_model = 32;
  c.n_decoder_layers = 3;
  c.n_heads = 4;
  c.n_kv_heads = style == ModelStyle::Llama ? 2 : 4;  // grouped-query for llama
  c.d_kv = 8;
  c.d_ff = 64;
  c.max_positions = 32;
  c.dropout = 0.0;
  c.tie_embeddings = style == ModelStyle::GPT2;
  return c;
}

void check_decoder_only(ModelStyle style, bool packed_prefix) {
  const ModelConfig config = decoder_config(style);
  DecoderOnlyBatch batch;
  batch.tokens = testing::random_ints({2, 24}, 1, config.vocab_size);
  batch.targets = testing::random_ints({2, 24}, 2, config.vocab_size);
  batch.targets.data<int32_t>()[5] = -100;
  if (packed_prefix) {
    batch.segments = Tensor::empty({2, 24}, DType::I32);
    batch.prefix = Tensor::empty({2, 24}, DType::I32);
    for (int64_t i = 0; i < 48; ++i) {
      batch.segments.data<int32_t>()[i] = (i % 24) < 10 ? 1 : ((i % 24) < 22 ? 2 : 0);
      batch.prefix.data<int32_t>()[i] = (i % 24) < 4 || ((i % 24) >= 10 && (i % 24) < 13);
    }
  }
  std::function<std::unique_ptr<DecoderOnlyModel>()> build = [&] {
    auto model = std::make_unique<DecoderOnlyModel>(config);
    model->initialize(7);
    return model;
  };
  check_levels(build, [&](DecoderOnlyModel& m, Arena& arena) { return m.forward_backward(arena, batch).loss; });
}

TEST(Recompute, LlamaLossAndGradientsMatchAtEveryLevel) { check_decoder_only(ModelStyle::Llama, false); }
TEST(Recompute, LlamaPackedPrefixLmMatchesAtEveryLevel) { check_decoder_only(ModelStyle::Llama, true); }
TEST(Recompute, Gpt2LossAndGradientsMatchAtEveryLevel) { check_decoder_only(ModelStyle::GPT2, false); }

void check_t5(bool v1_1) {
  EncoderDecoderConfig c;
  c.vocab_size = 64;
  c.d_model = 32;
  c.d_kv = 8;
  c.d_ff = 64;
  c.n_heads = 4;
  c.n_encoder_layers = 3;
  c.n_decoder_layers = 2;
  c.gated = v1_1;
  c.activation = v1_1 ? Activation::GeluTanh : Activation::ReLU;
  c.tie_embeddings = !v1_1;
  EncoderDecoderBatch batch;
  batch.encoder_input_tokens = testing::random_ints({2, 20}, 3, c.vocab_size);
  batch.encoder_input_tokens.data<int32_t>()[19] = 0;  // one padded source position
  batch.decoder_target_tokens = testing::random_ints({2, 12}, 4, c.vocab_size);
  batch.decoder_input_tokens = testing::random_ints({2, 12}, 5, c.vocab_size);
  std::function<std::unique_ptr<EncoderDecoderModel>()> build = [&] {
    auto model = std::make_unique<EncoderDecoderModel>(c);
    model->initialize(9);
    return model;
  };
  check_levels(build, [&](EncoderDecoderModel& m, Arena& arena) { return m.forward_backward(arena, batch).loss; });
}

TEST(Recompute, T5V11LossAndGradientsMatchAtEveryLevel) { check_t5(true); }
TEST(Recompute, T5V10TiedLossAndGradientsMatchAtEveryLevel) { check_t5(false); }

}  // namespace
}  // namespace hone
