#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <iostream>

#include "backend/cross_entropy.h"
#include "backend/elementwise.h"
#include "core/threads.h"
#include "nn/embedding.h"
#include "nn/lm_head_loss.h"
#include "support/gradcheck.h"
#include "support/tensor_testing.h"
#include "support/torch_reference.h"

namespace hone {
namespace {

using testing::element;
using testing::max_relative_error;
using testing::random_ints;
using testing::random_tensor;

// Random targets with a few ignored (-100) positions.
Tensor targets_with_ignored(int64_t n, int64_t vocab, uint64_t seed) {
  Tensor t = random_ints({n}, seed, vocab);
  for (int64_t i = 2; i < n; i += 5) t.data<int32_t>()[i] = -100;
  return t;
}

struct Case {
  const char* name;
  bool weights;
  double z_loss;
  double normalizer;
};

const Case kCases[] = {
    {"plain mean", false, 0.0, 0.0},
    {"token weights", true, 0.0, 0.0},
    {"z-loss", false, 0.1, 0.0},
    {"weights, z-loss, constant normalizer", true, 0.05, 13.0},
};

TEST(LmHeadLoss, GradientsMatchFiniteDifferences) {
  const int64_t n = 9, d = 5, vocab = 11;
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    ParameterStore store(DType::F64);
    LmHeadLossOptions options;
    options.loss.z_loss = c.z_loss;
    options.loss.normalizer = c.normalizer;
    options.chunk_rows = 4;  // three chunks, the last one partial
    LmHeadLoss head(store, "lm_head", vocab, d, options);
    store.finalize();
    copy(random_tensor({vocab, d}, 1, DType::F64, -1.5, 1.5), head.weight().value);
    Tensor hidden = random_tensor({3, 3, d}, 2, DType::F64, -1.5, 1.5);
    Tensor targets = targets_with_ignored(n, vocab, 3).view({3, 3});
    Tensor weights = c.weights ? random_tensor({3, 3}, 4, DType::F64, 0.5, 2.0) : Tensor{};
    Arena arena;
    LmHeadLossResult result = head.forward_backward(arena, hidden, targets, weights);
    EXPECT_EQ(result.tokens, 7);
    Tensor workspace = Tensor::empty({4, vocab}, DType::F64);
    double worst = testing::check_gradients(
        [&] {
          return lm_head_cross_entropy(hidden.view({n, d}), head.weight().value, targets.view({n}),
                                       c.weights ? weights.view({n}) : Tensor{}, options.loss, workspace, {}, {}, {})
              .loss;
        },
        {{"hidden", hidden, result.dhidden}, {"lm_head.weight", head.weight().value, head.weight().grad}});
    EXPECT_LT(worst, 1e-7);
    std::cout << "[ measured ] " << c.name << ": finite-difference error " << worst << "\n";
    // Ignored rows get no gradient.
    for (int64_t k = 0; k < d; ++k) EXPECT_EQ(element(result.dhidden, 2 * d + k), 0.0);
  }
}

TEST(LmHeadLoss, MatchesPyTorch) {
  const int64_t n = 70, d = 48, vocab = 517;
  Tensor hidden = random_tensor({n, d}, 10, DType::F32, -2.0, 2.0);
  Tensor weight = random_tensor({vocab, d}, 11, DType::F32, -0.5, 0.5);
  Tensor targets = targets_with_ignored(n, vocab, 12);
  Tensor weights = random_tensor({n}, 13, DType::F32, 0.0, 2.0);
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    testing::TensorMap inputs{{"hidden", hidden}, {"weight", weight}, {"targets", targets}};
    if (c.weights) inputs["token_weights"] = weights;
    const bool plain = !c.weights && c.z_loss == 0 && c.normalizer == 0;
    auto ref = testing::torch_reference("lmhead", "lm_head_loss", inputs,
                                        {{"ignore_index", -100}, {"z_loss", c.z_loss}, {"normalizer", c.normalizer},
                                         {"check_against_cross_entropy", plain}});
    CrossEntropyOptions options;
    options.z_loss = c.z_loss;
    options.normalizer = c.normalizer;
    Tensor workspace = Tensor::empty({32, vocab}), dhidden = Tensor::empty({n, d}), dweight = Tensor::zeros({vocab, d});
    Tensor token_losses = Tensor::empty({n});
    CrossEntropyTotals totals = lm_head_cross_entropy(hidden, weight, targets, c.weights ? weights : Tensor{}, options,
                                                      workspace, dhidden, dweight, token_losses);
    const double loss_error = std::abs(totals.loss - element(ref.at("loss"), 0)) / std::abs(element(ref.at("loss"), 0));
    EXPECT_LT(loss_error, 1e-5);
    EXPECT_LT(max_relative_error(token_losses, ref.at("token_losses")), 1e-5);
    EXPECT_LT(max_relative_error(dhidden, ref.at("dhidden")), 1e-4);
    EXPECT_LT(max_relative_error(dweight, ref.at("dweight")), 1e-4);
    EXPECT_EQ(totals.tokens, 56);
    std::cout << "[ measured ] " << c.name << ": parity loss " << loss_error << ", token losses "
              << max_relative_error(token_losses, ref.at("token_losses")) << ", dhidden "
              << max_relative_error(dhidden, ref.at("dhidden")) << ", dweight "
              << max_relative_error(dweight, ref.at("dweight")) << "\n";
  }
}

TEST(LmHeadLoss, ScoringMatchesPyTorchAndTheTrainingLoss) {
  const int64_t n = 33, d = 24, vocab = 301;
  Tensor hidden = random_tensor({n, d}, 20, DType::F32, -2.0, 2.0);
  Tensor weight = random_tensor({vocab, d}, 21, DType::F32, -0.5, 0.5);
  Tensor targets = targets_with_ignored(n, vocab, 22);
  auto ref = testing::torch_reference("lmhead", "lm_head_score",
                                      {{"hidden", hidden}, {"weight", weight}, {"targets", targets}},
                                      {{"ignore_index", -100}});
  Tensor workspace = Tensor::empty({8, vocab}), logprobs = Tensor::empty({n}), lse = Tensor::empty({n});
  lm_head_score(hidden, weight, targets, -100, workspace, logprobs, lse);
  EXPECT_LT(max_relative_error(logprobs, ref.at("target_logprobs")), 1e-5);
  EXPECT_LT(max_relative_error(lse, ref.at("logsumexp")), 1e-5);
  // -log p(target) is the per-token training loss without z-loss.
  Tensor token_losses = Tensor::empty({n});
  lm_head_cross_entropy(hidden, weight, targets, {}, {}, workspace, {}, {}, token_losses);
  for (int64_t i = 0; i < n; ++i) EXPECT_NEAR(element(token_losses, i), -element(logprobs, i), 1e-5);
}

TEST(LmHeadLoss, LogitsAreHiddenTimesWeightTransposed) {
  ParameterStore store(DType::F64);
  LmHeadLoss head(store, "lm_head", 7, 3);
  store.finalize();
  copy(random_tensor({7, 3}, 30), head.weight().value);
  Tensor hidden = random_tensor({2, 2, 3}, 31);
  Arena arena;
  Tensor logits = head.logits(arena, hidden);
  ASSERT_EQ(logits.shape(), (Shape{2, 2, 7}));
  for (int64_t r = 0; r < 4; ++r) {
    for (int64_t v = 0; v < 7; ++v) {
      double expected = 0;
      for (int64_t k = 0; k < 3; ++k) expected += element(hidden, r * 3 + k) * element(head.weight().value, v * 3 + k);
      EXPECT_NEAR(element(logits, r * 7 + v), expected, 1e-12);
    }
  }
}

struct FusedRun {
  CrossEntropyTotals totals;
  Tensor dhidden, dweight, token_losses;
};

FusedRun run_fused(const Tensor& hidden, const Tensor& weight, const Tensor& targets, const Tensor& weights, int64_t chunk,
              const CrossEntropyOptions& options) {
  const int64_t n = hidden.size(0), d = hidden.size(1), vocab = weight.size(0);
  FusedRun run{{}, Tensor::empty({n, d}), Tensor::zeros({vocab, d}), Tensor::empty({n})};
  Tensor workspace = Tensor::empty({chunk, vocab});
  run.totals = lm_head_cross_entropy(hidden, weight, targets, weights, options, workspace, run.dhidden, run.dweight,
                                     run.token_losses);
  return run;
}

TEST(LmHeadLoss, ChunkSizeDoesNotChangeTheResult) {
  const int64_t n = 100, d = 64, vocab = 1000;
  Tensor hidden = random_tensor({n, d}, 40, DType::F32, -1.0, 1.0);
  Tensor weight = random_tensor({vocab, d}, 41, DType::F32, -0.5, 0.5);
  Tensor targets = targets_with_ignored(n, vocab, 42);
  Tensor weights = random_tensor({n}, 43, DType::F32, 0.5, 1.5);
  CrossEntropyOptions options;
  options.z_loss = 1e-3;
  FusedRun whole = run_fused(hidden, weight, targets, weights, n, options);
  for (int64_t chunk : {1, 7, 32, 99}) {
    SCOPED_TRACE(chunk);
    FusedRun part = run_fused(hidden, weight, targets, weights, chunk, options);
    EXPECT_NEAR(part.totals.loss, whole.totals.loss, 1e-6 * whole.totals.loss);
    // BLAS picks different kernels for different row counts and dW sums chunks in another order, so
    // agreement is to fp32 rounding, not bits.
    EXPECT_LT(max_relative_error(part.token_losses, whole.token_losses), 1e-6);
    EXPECT_LT(max_relative_error(part.dhidden, whole.dhidden), 1e-5);
    EXPECT_LT(max_relative_error(part.dweight, whole.dweight), 1e-5);
  }
}

TEST(LmHeadLoss, DeterministicAndThreadCountIndependentWithinRounding) {
  const int64_t n = 256, d = 128, vocab = 3000;
  Tensor hidden = random_tensor({n, d}, 50, DType::F32, -1.0, 1.0);
  Tensor weight = random_tensor({vocab, d}, 51, DType::F32, -0.3, 0.3);
  Tensor targets = targets_with_ignored(n, vocab, 52);
  const int saved = num_threads();
  set_num_threads(2);
  FusedRun a = run_fused(hidden, weight, targets, {}, 64, {});
  FusedRun b = run_fused(hidden, weight, targets, {}, 64, {});
  set_num_threads(1);
  FusedRun single = run_fused(hidden, weight, targets, {}, 64, {});
  set_num_threads(saved);
  // Same thread count: the same bits.
  EXPECT_EQ(a.totals.loss, b.totals.loss);
  EXPECT_EQ(std::memcmp(a.dhidden.raw_data(), b.dhidden.raw_data(), a.dhidden.nbytes()), 0);
  EXPECT_EQ(std::memcmp(a.dweight.raw_data(), b.dweight.raw_data(), a.dweight.nbytes()), 0);
  // 1 vs 2 threads: agreement to fp32 rounding (BLAS may split its sums differently).
  EXPECT_NEAR(single.totals.loss, a.totals.loss, 1e-6 * a.totals.loss);
  EXPECT_LT(max_relative_error(single.dhidden, a.dhidden), 1e-6);
  EXPECT_LT(max_relative_error(single.dweight, a.dweight), 1e-6);
  EXPECT_LT(max_relative_error(single.token_losses, a.token_losses), 1e-6);
}

TEST(LmHeadLoss, TiedWeightAccumulatesIntoTheEmbeddingGradient) {
  const int64_t vocab = 13, d = 4, n = 6;
  ParameterStore store(DType::F64);
  Embedding shared(store, "shared", vocab, d);
  LmHeadLoss tied(shared.weight());
  ParameterStore separate_store(DType::F64);
  LmHeadLoss separate(separate_store, "lm_head", vocab, d);
  store.finalize();
  separate_store.finalize();
  copy(random_tensor({vocab, d}, 60), shared.weight().value);
  copy(shared.weight().value, separate.weight().value);
  fill(shared.weight().grad, 1.0);  // as if the embedding's backward already ran
  Tensor hidden = random_tensor({n, d}, 61);
  Tensor targets = random_ints({n}, 62, vocab);
  Arena arena;
  double tied_loss = tied.forward_backward(arena, hidden, targets).loss;
  double separate_loss = separate.forward_backward(arena, hidden, targets).loss;
  EXPECT_EQ(tied_loss, separate_loss);
  for (int64_t i = 0; i < vocab * d; ++i) {
    EXPECT_NEAR(element(shared.weight().grad, i), 1.0 + element(separate.weight().grad, i), 1e-14);
  }
  EXPECT_EQ(&store.get("shared.weight"), &tied.weight());
}

TEST(LmHeadLoss, TotalsAndPerTokenLossesAreReported) {
  ParameterStore store(DType::F32);
  LmHeadLoss head(store, "lm_head", 50, 8);
  store.finalize();
  copy(random_tensor({50, 8}, 70, DType::F32), head.weight().value);
  Tensor hidden = random_tensor({2, 5, 8}, 71, DType::F32);
  Tensor targets = targets_with_ignored(10, 50, 72).view({2, 5});
  Tensor weights = random_tensor({2, 5}, 73, DType::F32, 0.5, 1.5);
  Arena arena;
  LmHeadLossResult r = head.forward_backward(arena, hidden, targets, weights, /*keep_token_losses=*/true);
  ASSERT_EQ(r.token_losses.shape(), (Shape{2, 5}));
  ASSERT_EQ(r.dhidden.shape(), (Shape{2, 5, 8}));
  EXPECT_EQ(r.tokens, 8);
  double weighted = 0, weight_sum = 0;
  for (int64_t i = 0; i < 10; ++i) {
    if (targets.data<int32_t>()[i] == -100) {
      EXPECT_EQ(element(r.token_losses, i), 0.0);
      continue;
    }
    EXPECT_GT(element(r.token_losses, i), 0.0);
    weighted += element(weights, i) * element(r.token_losses, i);
    weight_sum += element(weights, i);
  }
  EXPECT_NEAR(r.weight, weight_sum, 1e-5);
  EXPECT_NEAR(r.loss, weighted / weight_sum, 1e-5);
}

TEST(LmHeadLoss, AllTargetsIgnoredGivesZeroLossAndGradients) {
  Tensor hidden = random_tensor({4, 3}, 80, DType::F32), weight = random_tensor({5, 3}, 81, DType::F32);
  Tensor targets = Tensor::empty({4}, DType::I32);
  fill(targets, -100);
  FusedRun run = run_fused(hidden, weight, targets, {}, 2, {});
  EXPECT_EQ(run.totals.loss, 0.0);
  EXPECT_EQ(run.totals.tokens, 0);
  EXPECT_EQ(testing::max_abs(run.dhidden), 0.0);
  EXPECT_EQ(testing::max_abs(run.dweight), 0.0);
}

TEST(LmHeadLoss, RejectsBadInput) {
  Tensor hidden = Tensor::zeros({4, 3}), weight = Tensor::zeros({5, 3}), workspace = Tensor::empty({2, 5});
  Tensor targets = Tensor::zeros({4}, DType::I32);
  auto expect_error = [](auto&& call, const std::string& needle) {
    try {
      call();
      ADD_FAILURE() << "expected an error containing: " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  targets.data<int32_t>()[3] = 5;
  expect_error([&] { lm_head_cross_entropy(hidden, weight, targets, {}, {}, workspace, {}, {}, {}); },
               "target 5 at row 3 is outside the vocabulary [0, 5)");
  targets.data<int32_t>()[3] = -1;
  expect_error([&] { lm_head_score(hidden, weight, targets, -100, workspace, {}, {}); }, "target -1 at row 3");
  targets.data<int32_t>()[3] = 0;
  expect_error([&] { lm_head_cross_entropy(hidden, Tensor::zeros({5, 4}), targets, {}, {}, workspace, {}, {}, {}); },
               "weight must be");
  expect_error([&] { lm_head_cross_entropy(hidden, weight, Tensor::zeros({3}, DType::I32), {}, {}, workspace, {}, {}, {}); },
               "targets must be");
  expect_error([&] { lm_head_cross_entropy(hidden, weight, targets, {}, {}, Tensor::empty({2, 6}), {}, {}, {}); },
               "workspace");
  expect_error([&] { lm_head_cross_entropy(hidden, weight, targets, Tensor::zeros({5}), {}, workspace, {}, {}, {}); },
               "token_weights");
  expect_error([&] { lm_head_cross_entropy(hidden, weight, targets, {}, {}, workspace, Tensor::empty({4, 4}), {}, {}); },
               "dhidden");
  CrossEntropyOptions negative;
  negative.normalizer = -1;
  expect_error([&] { lm_head_cross_entropy(hidden, weight, targets, {}, negative, workspace, {}, {}, {}); }, "normalizer");
  ParameterStore store;
  LmHeadLoss head(store, "lm_head", 5, 3);
  store.finalize();
  Arena arena;
  expect_error([&] { head.forward_backward(arena, Tensor::zeros({4, 2}), targets); }, "must end in d_model = 3");
  expect_error([&] { head.forward_backward(arena, hidden, Tensor::zeros({2, 2}, DType::I32)); }, "does not match hidden");
}

}  // namespace
}  // namespace hone
