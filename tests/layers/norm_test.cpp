#include <gtest/gtest.h>

#include "backend/norm.h"
#include "core/threads.h"
#include "layer_testing.h"
#include "nn/layer_norm.h"
#include "nn/rms_norm.h"
#include "support/gradcheck.h"
#include "support/torch_reference.h"

namespace hone {
namespace {

using namespace hone::testing;

// [2, 40, 12]: 80 rows cross the kernels' 32-row gradient blocks, including a partial last block.
const Shape kGradShape{2, 40, 12};

TEST(RMSNorm, GradientsMatchFiniteDifferences) {
  ParameterStore store(DType::F64);
  RMSNorm norm(store, "encoder.final_layer_norm", 12);
  store.finalize();
  randomize_parameters(store, 1, 0.5, 1.5);
  Tensor x = random_tensor(kGradShape, 2), probe = random_tensor(kGradShape, 3);
  Arena arena;
  Tensor dx = norm.backward(arena, x, norm.forward(arena, x), probe);
  auto loss = [&] {
    Arena scratch;
    return dot(norm.forward(scratch, x).y, probe);
  };
  double error = check_gradients(loss, {{"x", x, dx}, {"weight", norm.weight().value, norm.weight().grad}});
  report_gradcheck("RMSNorm x, weight", error);
}

TEST(LayerNorm, GradientsMatchFiniteDifferences) {
  ParameterStore store(DType::F64);
  LayerNorm norm(store, "transformer.h.0.ln_1", 12);
  store.finalize();
  randomize_parameters(store, 4, 0.5, 1.5);
  Tensor x = random_tensor(kGradShape, 5, DType::F64, -1.0, 2.0), probe = random_tensor(kGradShape, 6);
  Arena arena;
  Tensor dx = norm.backward(arena, x, norm.forward(arena, x), probe);
  auto loss = [&] {
    Arena scratch;
    return dot(norm.forward(scratch, x).y, probe);
  };
  double error = check_gradients(loss, {{"x", x, dx},
                                        {"weight", norm.weight().value, norm.weight().grad},
                                        {"bias", norm.bias().value, norm.bias().grad}});
  report_gradcheck("LayerNorm x, weight, bias", error);
}

TEST(RMSNorm, MatchesHuggingFaceT5LayerNorm) {
  ParameterStore store;
  RMSNorm norm(store, "decoder.final_layer_norm", 64);
  store.finalize();
  randomize_parameters(store, 7, 0.5, 1.5);
  const Shape shape{3, 37, 64};
  Tensor x = random_tensor(shape, 8, DType::F32, -2.0, 2.0), dy = random_tensor(shape, 9, DType::F32);
  Arena arena;
  RMSNorm::Output out = norm.forward(arena, x);
  Tensor dx = norm.backward(arena, x, out, dy);
  TensorMap ref = torch_reference("layers", "rms_norm", {{"x", x}, {"weight", norm.weight().value}, {"dy", dy}},
                                  {{"eps", 1e-6}});
  expect_close("rms_norm y", out.y, ref.at("y"), kOutputTolerance);
  expect_close("rms_norm dx", dx, ref.at("dx"), kGradientTolerance);
  expect_close("rms_norm dweight", norm.weight().grad, ref.at("dweight"), kGradientTolerance);
}

TEST(LayerNorm, MatchesTorchLayerNorm) {
  ParameterStore store;
  LayerNorm norm(store, "transformer.ln_f", 64);
  store.finalize();
  randomize_parameters(store, 10, 0.5, 1.5);
  const Shape shape{3, 37, 64};
  // An offset mean exercises the centring.
  Tensor x = random_tensor(shape, 11, DType::F32, 1.0, 3.0), dy = random_tensor(shape, 12, DType::F32);
  Arena arena;
  LayerNorm::Output out = norm.forward(arena, x);
  Tensor dx = norm.backward(arena, x, out, dy);
  TensorMap ref = torch_reference(
      "layers", "layer_norm", {{"x", x}, {"weight", norm.weight().value}, {"bias", norm.bias().value}, {"dy", dy}},
      {{"eps", 1e-5}});
  expect_close("layer_norm y", out.y, ref.at("y"), kOutputTolerance);
  expect_close("layer_norm dx", dx, ref.at("dx"), kGradientTolerance);
  expect_close("layer_norm dweight", norm.weight().grad, ref.at("dweight"), kGradientTolerance);
  expect_close("layer_norm dbias", norm.bias().grad, ref.at("dbias"), kGradientTolerance);
}

TEST(RMSNorm, BackwardAccumulatesWeightGradient) {
  ParameterStore store;
  RMSNorm norm(store, "n", 16);
  store.finalize();
  randomize_parameters(store, 13, 0.5, 1.5);
  Tensor x = random_tensor({5, 16}, 14, DType::F32), dy = random_tensor({5, 16}, 15, DType::F32);
  Arena arena;
  RMSNorm::Output out = norm.forward(arena, x);
  norm.backward(arena, x, out, dy);
  Tensor once = clone(norm.weight().grad);
  norm.backward(arena, x, out, dy);
  Tensor twice = clone(once);
  scale(twice, 2.0);
  EXPECT_GT(max_abs(once), 0.0);
  EXPECT_LE(max_relative_error(norm.weight().grad, twice), 1e-7);
}

// Runs forward and backward of both norms on [512, 512] and returns (y, dx, dweight) of each.
std::vector<Tensor> run_both_norms() {
  ParameterStore store;
  RMSNorm rms(store, "rms", 512);
  LayerNorm ln(store, "ln", 512);
  store.finalize();
  randomize_parameters(store, 16, 0.5, 1.5);
  Tensor x = random_tensor({512, 512}, 17, DType::F32, -1.0, 2.0), dy = random_tensor({512, 512}, 18, DType::F32);
  Arena arena;
  RMSNorm::Output r = rms.forward(arena, x);
  LayerNorm::Output l = ln.forward(arena, x);
  Tensor rdx = rms.backward(arena, x, r, dy), ldx = ln.backward(arena, x, l, dy);
  return {clone(r.y), clone(rdx), clone(rms.weight().grad), clone(l.y), clone(ldx), clone(ln.weight().grad),
          clone(ln.bias().grad)};
}

TEST(Norms, DeterministicAndIndependentOfThreadCount) {
  const int saved_threads = num_threads();
  set_num_threads(2);
  std::vector<Tensor> first = run_both_norms(), second = run_both_norms();
  set_num_threads(1);
  std::vector<Tensor> single = run_both_norms();
  set_num_threads(saved_threads);
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_TRUE(bitwise_equal(first[i], second[i])) << "output " << i << " differs between identical runs";
    // Gradient blocks are fixed in size and summed in order, so even the thread count leaves no trace.
    EXPECT_TRUE(bitwise_equal(first[i], single[i])) << "output " << i << " differs between 2 and 1 threads";
  }
}

TEST(Norms, RejectBadShapesWithClearErrors) {
  ParameterStore store;
  RMSNorm rms(store, "encoder.final_layer_norm", 8);
  LayerNorm ln(store, "ln_f", 8);
  store.finalize();
  Arena arena;
  Tensor wrong_width = Tensor::zeros({4, 6});
  try {
    rms.forward(arena, wrong_width);
    FAIL() << "expected hone::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("d_model = 8"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("encoder.final_layer_norm.weight"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ln.forward(arena, wrong_width), Error);
  EXPECT_THROW(ln.forward(arena, Tensor::zeros({8, 4}).transpose(0, 1)), Error);  // not contiguous
  Tensor x = Tensor::zeros({4, 8});
  RMSNorm::Output out = rms.forward(arena, x);
  EXPECT_THROW(rms.backward(arena, x, out, Tensor::zeros({4, 7})), Error);
  // Kernel level: a weight of the wrong size, statistics of the wrong length, mixed dtypes.
  EXPECT_THROW(rms_norm_forward(x, Tensor::zeros({7}), 1e-6, Tensor::zeros({4, 8}), Tensor::zeros({4})), Error);
  EXPECT_THROW(rms_norm_forward(x, Tensor::zeros({8}), 1e-6, Tensor::zeros({4, 8}), Tensor::zeros({3})), Error);
  EXPECT_THROW(rms_norm_forward(x, Tensor::zeros({8}, DType::F64), 1e-6, Tensor::zeros({4, 8}), Tensor::zeros({4})),
               Error);
  try {
    layer_norm_forward(x, Tensor::zeros({8}), Tensor::zeros({5}), 1e-5, Tensor::zeros({4, 8}), Tensor::zeros({4}),
                       Tensor::zeros({4}));
    FAIL() << "expected hone::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bias must be [8]"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hone
