// The decoder-only model as a whole: its hand-written backward is the gradient of its loss (fp64 finite
// differences), it matches an HF-style LlamaForCausalLM in PyTorch (logits, loss, every gradient), and
// training is deterministic.
#include "model/decoder_only.h"

#include <gtest/gtest.h>

#include "backend/elementwise.h"
#include "core/threads.h"
#include "support/gradcheck.h"
#include "support/tensor_testing.h"
#include "support/torch_reference.h"
#include "train/adamw.h"

namespace hone {
namespace {

DecoderOnlyConfig tiny_config(bool tied, int64_t d_model = 16) {
  DecoderOnlyConfig c;
  c.vocab_size = 13;
  c.d_model = d_model;
  c.n_layers = 2;
  c.n_heads = 4;
  c.n_kv_heads = 2;  // grouped-query
  c.d_ff = d_model + d_model / 2;
  c.tie_embeddings = tied;
  return c;
}

// Tokens [2, 6] and next-token targets with two ignored positions.
void make_batch(Tensor& tokens, Tensor& targets, int64_t vocab) {
  tokens = testing::random_ints({2, 6}, 5, vocab);
  targets = testing::random_ints({2, 6}, 6, vocab);
  targets.data<int32_t>()[0] = -100;
  targets.data<int32_t>()[7] = -100;
}

class DecoderOnlyGradients : public ::testing::TestWithParam<bool> {};

TEST_P(DecoderOnlyGradients, MatchFiniteDifferencesInF64) {
  // Thousands of tiny forward passes: one thread, so OpenMP barriers on a busy machine do not dominate.
  const int saved_threads = num_threads();
  set_num_threads(1);
  DecoderOnlyModel model(tiny_config(GetParam(), 8), DType::F64);
  model.initialize(3);
  // Larger weights than the 0.02 init so every path carries signal.
  for (const Parameter& p : model.params().all())
    if (p.shape.size() == 2) scale(p.value, 10.0);
  Tensor tokens, targets;
  make_batch(tokens, targets, model.config().vocab_size);
  Arena arena;
  model.params().zero_grads();
  model.forward_backward(arena, tokens, targets);
  arena.reset();
  std::vector<testing::GradCheckInput> inputs;
  for (const Parameter& p : model.params().all()) inputs.push_back({p.name, p.value, clone(p.grad)});
  auto loss = [&] {
    double l = model.forward_backward(arena, tokens, targets).loss;
    arena.reset();
    return l;
  };
  testing::check_gradients(loss, inputs, 1e-6);
  set_num_threads(saved_threads);
}

INSTANTIATE_TEST_SUITE_P(TiedAndUntied, DecoderOnlyGradients, ::testing::Bool());

TEST(DecoderOnly, MatchesHuggingFaceStyleLlamaInPyTorch) {
  DecoderOnlyModel model(tiny_config(false));
  model.initialize(4);
  for (const Parameter& p : model.params().all())
    if (p.shape.size() == 2) scale(p.value, 5.0);
  Tensor tokens, targets;
  make_batch(tokens, targets, model.config().vocab_size);
  Arena arena;
  model.params().zero_grads();
  LossResult result = model.forward_backward(arena, tokens, targets);
  Tensor logits = clone(model.logits(arena, tokens));

  testing::TensorMap inputs{{"tokens", tokens}, {"targets", targets}};
  for (const Parameter& p : model.params().all()) inputs[p.name] = p.value;
  const DecoderOnlyConfig& c = model.config();
  auto ref = testing::torch_reference("models", "llama_loss", inputs,
                                      {{"n_heads", c.n_heads}, {"n_kv_heads", c.n_kv_heads}, {"n_layers", c.n_layers},
                                       {"norm_eps", c.norm_eps}, {"rope_theta", c.rope_theta}});
  EXPECT_LT(std::abs(result.loss - testing::element(ref.at("loss"), 0)) / testing::element(ref.at("loss"), 0), 1e-5);
  EXPECT_LT(testing::max_relative_error(logits, ref.at("logits")), 1e-5);
  for (const Parameter& p : model.params().all()) {
    EXPECT_LT(testing::max_relative_error(p.grad, ref.at("grad." + p.name)), 1e-4) << p.name;
  }
  EXPECT_EQ(result.tokens, 10);
}

// Ten AdamW steps memorising one batch, returning the losses and the final weights.
std::pair<std::vector<double>, Tensor> train_ten_steps(uint64_t seed) {
  DecoderOnlyConfig c = tiny_config(false);
  c.vocab_size = 20;
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

TEST(DecoderOnly, TrainingIsDeterministicAndThreadCountOnlyChangesRounding) {
  auto [losses_a, weights_a] = train_ten_steps(9);
  auto [losses_b, weights_b] = train_ten_steps(9);
  EXPECT_EQ(losses_a, losses_b);
  EXPECT_EQ(testing::max_relative_error(weights_a, weights_b), 0.0);
  EXPECT_LT(losses_a.back(), losses_a.front());

  int saved = num_threads();
  set_num_threads(1);
  auto [losses_1, weights_1] = train_ten_steps(9);
  set_num_threads(2);
  auto [losses_2, weights_2] = train_ten_steps(9);
  set_num_threads(saved);
  for (size_t i = 0; i < losses_1.size(); ++i) EXPECT_NEAR(losses_1[i], losses_2[i], 1e-5 * losses_1[i]);
  EXPECT_LT(testing::max_relative_error(weights_1, weights_2), 1e-4);
}

}  // namespace
}  // namespace hone
