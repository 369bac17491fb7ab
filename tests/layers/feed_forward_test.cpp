#include <gtest/gtest.h>

#include "core/threads.h"
#include "layer_testing.h"
#include "nn/feed_forward.h"
#include "support/gradcheck.h"
#include "support/torch_reference.h"

namespace hone {
namespace {

using namespace hone::testing;

struct Variant {
  const char* kind;  // the reference's name for it
  FeedForwardSpec spec;
  std::vector<std::string> parameters;  // Hugging Face names under the prefix
};

std::vector<Variant> variants() {
  return {
      {"t5_dense_relu_dense", FeedForwardSpec::t5_dense_relu_dense(), {"wi.weight", "wo.weight"}},
      {"t5_dense_gated_act_dense",
       FeedForwardSpec::t5_dense_gated_act_dense(),
       {"wi_0.weight", "wi_1.weight", "wo.weight"}},
      {"llama_mlp", FeedForwardSpec::llama_mlp(), {"gate_proj.weight", "up_proj.weight", "down_proj.weight"}},
      {"gpt2_mlp", FeedForwardSpec::gpt2_mlp(), {"c_fc.weight", "c_fc.bias", "c_proj.weight", "c_proj.bias"}},
  };
}

const std::string kPrefix = "encoder.block.0.layer.1.DenseReluDense";

TEST(FeedForward, RegistersHuggingFaceNames) {
  for (const Variant& v : variants()) {
    ParameterStore store;
    FeedForward ffn(store, kPrefix, 8, 32, v.spec);
    ASSERT_EQ(store.all().size(), v.parameters.size()) << v.kind;
    for (const std::string& name : v.parameters) EXPECT_NO_THROW(store.get(kPrefix + "." + name)) << name;
  }
  ParameterStore store;
  FeedForward ffn(store, "transformer.h.0.mlp", 8, 32, FeedForwardSpec::gpt2_mlp());
  EXPECT_EQ(store.get("transformer.h.0.mlp.c_fc.weight").shape, (Shape{32, 8}));  // [out, in]
  EXPECT_EQ(store.get("transformer.h.0.mlp.c_proj.bias").shape, (Shape{8}));
}

// fp64 central differences for x and every parameter. d_model * d_ff decides whether the gate and up
// weights are adjacent in the store (each parameter starts on a 64-byte boundary): 4 * 5 doubles are
// padded (two GEMMs), 4 * 8 are not (one stacked GEMM). Both paths are checked.
TEST(FeedForward, GradientsMatchFiniteDifferences) {
  for (const Variant& v : variants()) {
    for (int64_t d_ff : {5, 8}) {
      SCOPED_TRACE(std::string(v.kind) + " d_ff=" + std::to_string(d_ff));
      const int64_t d_model = 4;
      ParameterStore store(DType::F64);
      FeedForward ffn(store, kPrefix, d_model, d_ff, v.spec);
      store.finalize();
      randomize_parameters(store, 20 + d_ff);
      if (v.spec.gated()) {
        const Tensor& gate = store.get(kPrefix + "." + v.parameters[0]).value;
        const Tensor& up = store.get(kPrefix + "." + v.parameters[1]).value;
        EXPECT_EQ(up.byte_offset() == gate.byte_offset() + gate.nbytes(), d_ff == 8) << "the test no longer covers both paths";
      }
      const Shape shape{2, 5, d_model};
      Tensor x = random_tensor(shape, 21, DType::F64, -2.0, 2.0), probe = random_tensor(shape, 22);
      Arena arena;
      Tensor dx = ffn.backward(arena, x, ffn.forward(arena, x), probe);
      std::vector<GradCheckInput> inputs{{"x", x, dx}};
      for (const std::string& name : v.parameters) {
        Parameter& p = store.get(kPrefix + "." + name);
        inputs.push_back({name, p.value, p.grad});
      }
      auto loss = [&] {
        Arena scratch;
        return dot(ffn.forward(scratch, x).y, probe);
      };
      report_gradcheck(std::string(v.kind) + " d_ff=" + std::to_string(d_ff), check_gradients(loss, inputs));
    }
  }
}

TEST(FeedForward, MatchesHuggingFaceModules) {
  // 36 * 200 floats fill whole cache lines, so gate and up are adjacent (one stacked GEMM); 36 * 201
  // floats are padded (two GEMMs).
  for (const Variant& v : variants()) {
    for (int64_t d_ff : {200, 201}) {
      const int64_t d_model = 36;
      const std::string label = std::string(v.kind) + " d_ff=" + std::to_string(d_ff);
      ParameterStore store;
      FeedForward ffn(store, kPrefix, d_model, d_ff, v.spec);
      store.finalize();
      randomize_parameters(store, 30, -0.2, 0.2);
      const Shape shape{3, 19, d_model};
      Tensor x = random_tensor(shape, 31, DType::F32, -2.0, 2.0), dy = random_tensor(shape, 32, DType::F32);
      Arena arena;
      FeedForward::Output out = ffn.forward(arena, x);
      Tensor dx = ffn.backward(arena, x, out, dy);
      TensorMap inputs{{"x", x}, {"dy", dy}};
      for (const std::string& name : v.parameters) inputs[name] = store.get(kPrefix + "." + name).value;
      TensorMap ref = torch_reference("layers", "feed_forward", inputs, {{"kind", v.kind}});
      expect_close(label + " y", out.y, ref.at("y"), kOutputTolerance);
      expect_close(label + " dx", dx, ref.at("dx"), kGradientTolerance);
      for (const std::string& name : v.parameters) {
        expect_close(label + " d" + name, store.get(kPrefix + "." + name).grad, ref.at("grad." + name),
                     kGradientTolerance);
      }
    }
  }
}

TEST(FeedForward, GatedErfVariantMatchesTorch) {
  // T5 v1.1 configs may name "gelu" (erf) as dense_act_fn.
  ParameterStore store;
  FeedForward ffn(store, kPrefix, 32, 64, FeedForwardSpec::t5_dense_gated_act_dense(Activation::GeluErf));
  store.finalize();
  randomize_parameters(store, 40, -0.3, 0.3);
  Tensor x = random_tensor({9, 32}, 41, DType::F32, -2.0, 2.0), dy = random_tensor({9, 32}, 42, DType::F32);
  Arena arena;
  FeedForward::Output out = ffn.forward(arena, x);
  Tensor dx = ffn.backward(arena, x, out, dy);
  TensorMap inputs{{"x", x}, {"dy", dy}};
  for (const char* name : {"wi_0.weight", "wi_1.weight", "wo.weight"}) inputs[name] = store.get(kPrefix + "." + name).value;
  TensorMap ref = torch_reference("layers", "feed_forward", inputs, {{"kind", "t5_dense_gated_act_dense"}, {"activation", "gelu"}});
  expect_close("gated gelu(erf) y", out.y, ref.at("y"), kOutputTolerance);
  expect_close("gated gelu(erf) dx", dx, ref.at("dx"), kGradientTolerance);
  expect_close("gated gelu(erf) dwi_0", store.get(kPrefix + ".wi_0.weight").grad, ref.at("grad.wi_0.weight"),
               kGradientTolerance);
}

// Forward + backward of a Llama MLP big enough to run multi-threaded; returns y, dx and all gradients.
std::vector<Tensor> run_llama_mlp() {
  ParameterStore store;
  FeedForward ffn(store, "model.layers.0.mlp", 128, 344, FeedForwardSpec::llama_mlp());
  store.finalize();
  randomize_parameters(store, 50, -0.1, 0.1);
  Tensor x = random_tensor({4, 64, 128}, 51, DType::F32), dy = random_tensor({4, 64, 128}, 52, DType::F32);
  Arena arena;
  FeedForward::Output out = ffn.forward(arena, x);
  Tensor dx = ffn.backward(arena, x, out, dy);
  return {clone(out.y), clone(dx), clone(store.grads())};
}

TEST(FeedForward, DeterministicAndAgreesAcrossThreadCounts) {
  const int saved_threads = num_threads();
  set_num_threads(2);
  std::vector<Tensor> first = run_llama_mlp(), second = run_llama_mlp();
  set_num_threads(1);
  std::vector<Tensor> single = run_llama_mlp();
  set_num_threads(saved_threads);
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_TRUE(bitwise_equal(first[i], second[i])) << "output " << i << " differs between identical runs";
    // BLAS may split its sums differently with another thread count: equal up to fp32 rounding.
    EXPECT_LE(max_relative_error(single[i], first[i]), 1e-6) << "output " << i;
  }
}

TEST(FeedForward, RejectsBadInputWithClearErrors) {
  ParameterStore store;
  FeedForward ffn(store, kPrefix, 8, 16, FeedForwardSpec::t5_dense_gated_act_dense());
  store.finalize();
  Arena arena;
  try {
    ffn.forward(arena, Tensor::zeros({3, 7}));
    FAIL() << "expected hone::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("d_model = 8"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(kPrefix + ".wi_0.weight"), std::string::npos) << e.what();
  }
  Tensor x = Tensor::zeros({3, 8});
  FeedForward::Output out = ffn.forward(arena, x);
  EXPECT_THROW(ffn.backward(arena, x, out, Tensor::zeros({3, 9})), Error);
  EXPECT_THROW(ffn.forward(arena, Tensor::zeros({8, 3}).transpose(0, 1)), Error);
  ParameterStore other;
  EXPECT_THROW(FeedForward(other, "mlp", 0, 16, FeedForwardSpec::llama_mlp()), Error);
  FeedForwardSpec gated_with_bias = FeedForwardSpec::llama_mlp();
  gated_with_bias.bias = true;
  EXPECT_THROW(FeedForward(other, "mlp2", 8, 16, gated_with_bias), Error);
}

}  // namespace
}  // namespace hone
