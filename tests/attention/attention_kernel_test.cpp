#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "attention/attention_cases.h"
#include "backend/attention.h"
#include "backend/elementwise.h"
#include "core/threads.h"
#include "support/gradcheck.h"
#include "support/tensor_testing.h"

namespace hone::testing {
namespace {

struct KernelInputs {
  Tensor q, k, v, bias, probe;
};

KernelInputs random_inputs(const Variant& v, DType dtype, uint64_t seed) {
  KernelInputs in;
  in.q = random_tensor({v.batch, v.tq, v.hq * v.d}, seed, dtype, -1.5, 1.5);
  in.k = random_tensor({v.batch, v.tk, v.hkv * v.d}, seed + 1, dtype, -1.5, 1.5);
  in.v = random_tensor({v.batch, v.tk, v.hkv * v.d}, seed + 2, dtype);
  if (v.bias) in.bias = random_tensor({v.hq, v.tq, v.tk}, seed + 3, dtype);
  in.probe = random_tensor({v.batch, v.tq, v.hq * v.d}, seed + 4, dtype);
  return in;
}

AttentionShape shape_of(const Variant& v) { return {v.hq, v.hkv, v.d, v.scale}; }

struct KernelResult {
  Tensor output, probs, dq, dk, dv, d_bias;
};

KernelResult run_kernel(const Variant& v, const KernelInputs& in, const AttentionMask& mask) {
  DType dtype = in.q.dtype();
  KernelResult r;
  r.output = Tensor::empty({v.batch, v.tq, v.hq * v.d}, dtype);
  r.probs = Tensor::empty({v.batch, v.hq, v.tq, v.tk}, dtype);
  attention_forward(in.q, in.k, in.v, in.bias, mask, shape_of(v), r.output, r.probs);
  r.dq = Tensor::empty(in.q.shape(), dtype);
  r.dk = Tensor::empty(in.k.shape(), dtype);
  r.dv = Tensor::empty(in.v.shape(), dtype);
  if (v.bias) r.d_bias = Tensor::zeros(in.bias.shape(), dtype);
  Tensor scores_grad = Tensor::empty(r.probs.shape(), dtype);
  attention_backward(in.q, in.k, in.v, r.probs, mask, in.probe, shape_of(v), r.dq, r.dk, r.dv, r.d_bias, scores_grad);
  return r;
}

class AttentionVariant : public ::testing::TestWithParam<Variant> {};

TEST_P(AttentionVariant, GradientsMatchFiniteDifferences) {
  const Variant v = GetParam();
  MaskTensors m = make_mask(v);
  KernelInputs in = random_inputs(v, DType::F64, 11);
  KernelResult r = run_kernel(v, in, m.mask);
  auto loss = [&] {
    Tensor out = Tensor::empty({v.batch, v.tq, v.hq * v.d}, DType::F64);
    Tensor probs = Tensor::empty({v.batch, v.hq, v.tq, v.tk}, DType::F64);
    attention_forward(in.q, in.k, in.v, in.bias, m.mask, shape_of(v), out, probs);
    return dot(out, in.probe);
  };
  std::vector<GradCheckInput> inputs = {{"q", in.q, r.dq}, {"k", in.k, r.dk}, {"v", in.v, r.dv}};
  if (v.bias) inputs.push_back({"bias", in.bias, r.d_bias});
  double worst = check_gradients(loss, inputs, 1e-7);
  RecordProperty("worst_fd_error", std::to_string(worst * 1e12) + "e-12");
}

TEST_P(AttentionVariant, MatchesPyTorch) {
  const Variant v = GetParam();
  MaskTensors m = make_mask(v);
  KernelInputs in = random_inputs(v, DType::F32, 23);
  KernelResult r = run_kernel(v, in, m.mask);
  TensorMap inputs = m.named;
  inputs["q"] = in.q;
  inputs["k"] = in.k;
  inputs["v"] = in.v;
  inputs["d_output"] = in.probe;
  if (v.bias) inputs["bias"] = in.bias;
  TensorMap ref = torch_reference("attention", "sdpa", inputs, variant_config(v));
  EXPECT_LE(max_relative_error(r.output, ref.at("output")), 1e-5);
  RecordProperty("output_error_e9", std::to_string(max_relative_error(r.output, ref.at("output")) * 1e9));
  RecordProperty("dq_error_e9", std::to_string(max_relative_error(r.dq, ref.at("dq")) * 1e9));
  RecordProperty("dk_error_e9", std::to_string(max_relative_error(r.dk, ref.at("dk")) * 1e9));
  EXPECT_LE(max_relative_error(r.dq, ref.at("dq")), 1e-4);
  EXPECT_LE(max_relative_error(r.dk, ref.at("dk")), 1e-4);
  EXPECT_LE(max_relative_error(r.dv, ref.at("dv")), 1e-4);
  if (v.bias) {
    EXPECT_LE(max_relative_error(r.d_bias, ref.at("d_bias")), 1e-4);
  }
}

INSTANTIATE_TEST_SUITE_P(Masks, AttentionVariant, ::testing::ValuesIn(kernel_variants()),
                         [](const auto& info) { return info.param.name; });

// Larger shapes cross the 64-row blocks; checked against PyTorch with every mask at once.
TEST(AttentionKernel, MultiBlockMatchesPyTorch) {
  for (bool causal : {false, true}) {
    Variant v{.name = "blocks", .batch = 2, .tq = 150, .tk = 150, .hq = 4, .hkv = 2, .d = 16, .scale = 0.25,
              .causal = causal, .prefix = causal, .key_valid = true, .segments = true, .bias = true};
    MaskTensors m = make_mask(v);
    KernelInputs in = random_inputs(v, DType::F32, 5);
    KernelResult r = run_kernel(v, in, m.mask);
    TensorMap inputs = m.named;
    inputs["q"] = in.q;
    inputs["k"] = in.k;
    inputs["v"] = in.v;
    inputs["bias"] = in.bias;
    inputs["d_output"] = in.probe;
    TensorMap ref = torch_reference("attention", "sdpa", inputs, variant_config(v));
    EXPECT_LE(max_relative_error(r.output, ref.at("output")), 1e-5) << "causal " << causal;
    for (const char* name : {"dq", "dk", "dv"}) {
      const Tensor& mine = std::string(name) == "dq" ? r.dq : std::string(name) == "dk" ? r.dk : r.dv;
      EXPECT_LE(max_relative_error(mine, ref.at(name)), 1e-4) << name << " causal " << causal;
    }
    EXPECT_LE(max_relative_error(r.d_bias, ref.at("d_bias")), 1e-4) << "causal " << causal;
  }
}

TEST(AttentionKernel, RowsWithNoAllowedKeyOutputZeroAndGetZeroGradient) {
  Variant v{.name = "empty", .key_lengths = true};  // batch 0 has key length 0
  MaskTensors m = make_mask(v);
  KernelInputs in = random_inputs(v, DType::F64, 3);
  KernelResult r = run_kernel(v, in, m.mask);
  const int64_t per_batch = v.tq * v.hq * v.d;
  for (int64_t i = 0; i < per_batch; ++i) {
    ASSERT_EQ(element(r.output, i), 0.0);
    ASSERT_EQ(element(r.dq, i), 0.0);
  }
  EXPECT_GT(max_abs(r.output.select(0, 1)), 0.0);
  // Batch 1 has length tk-2: its probabilities on the last two keys are exactly 0 and rows sum to 1.
  for (int64_t i = 0; i < v.tq; ++i) {
    double row = 0;
    for (int64_t j = 0; j < v.tk; ++j) row += element(r.probs.select(0, 1).select(0, 0), i * v.tk + j);
    EXPECT_NEAR(row, 1.0, 1e-12);
    EXPECT_EQ(element(r.probs.select(0, 1).select(0, 0), i * v.tk + v.tk - 1), 0.0);
  }
}

// q, k, v as column slices of one fused [B, T, 3*H*d] projection: read in place through strides.
TEST(AttentionKernel, StridedInputsMatchContiguous) {
  Variant v{.name = "strided", .batch = 2, .tq = 70, .tk = 70, .hq = 2, .hkv = 2, .d = 8, .causal = true};
  Tensor fused = random_tensor({v.batch, v.tq, 3 * v.hq * v.d}, 9, DType::F32);
  const int64_t w = v.hq * v.d;
  KernelInputs strided{fused.slice(2, 0, w), fused.slice(2, w, 2 * w), fused.slice(2, 2 * w, 3 * w), {},
                       random_tensor({v.batch, v.tq, w}, 10, DType::F32)};
  KernelInputs packed{clone(strided.q), clone(strided.k), clone(strided.v), {}, strided.probe};
  MaskTensors m = make_mask(v);
  KernelResult a = run_kernel(v, strided, m.mask), b = run_kernel(v, packed, m.mask);
  EXPECT_EQ(max_relative_error(a.output, b.output), 0.0);
  EXPECT_EQ(max_relative_error(a.dq, b.dq), 0.0);
  EXPECT_EQ(max_relative_error(a.dk, b.dk), 0.0);
}

bool bit_identical(const Tensor& a, const Tensor& b) {
  return a.nbytes() == b.nbytes() && std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0;
}

TEST(AttentionKernel, DeterministicAcrossRunsAndThreadCounts) {
  Variant v{.name = "det", .batch = 2, .tq = 130, .tk = 130, .hq = 4, .hkv = 2, .d = 16, .scale = 0.25,
            .causal = true, .prefix = true, .key_valid = true, .segments = true, .bias = true};
  MaskTensors m = make_mask(v);
  KernelInputs in = random_inputs(v, DType::F32, 77);
  const int saved_threads = num_threads();
  set_num_threads(2);
  KernelResult first = run_kernel(v, in, m.mask), second = run_kernel(v, in, m.mask);
  set_num_threads(1);
  KernelResult single = run_kernel(v, in, m.mask);
  set_num_threads(saved_threads);
  EXPECT_TRUE(bit_identical(first.output, second.output));
  EXPECT_TRUE(bit_identical(first.dq, second.dq));
  EXPECT_TRUE(bit_identical(first.dk, second.dk));
  EXPECT_TRUE(bit_identical(first.dv, second.dv));
  EXPECT_TRUE(bit_identical(first.d_bias, second.d_bias));
  EXPECT_LE(max_relative_error(single.output, first.output), 1e-6);
  EXPECT_LE(max_relative_error(single.dq, first.dq), 1e-6);
  EXPECT_LE(max_relative_error(single.dk, first.dk), 1e-6);
  EXPECT_LE(max_relative_error(single.dv, first.dv), 1e-6);
  EXPECT_LE(max_relative_error(single.d_bias, first.d_bias), 1e-6);
}

void expect_error(const std::function<void()>& body, const std::string& fragment) {
  try {
    body();
    ADD_FAILURE() << "expected an error mentioning: " << fragment;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(AttentionKernel, BadInputGivesClearErrors) {
  Tensor q = Tensor::zeros({1, 4, 6}), k = Tensor::zeros({1, 4, 6}), v = Tensor::zeros({1, 4, 6});
  Tensor out = Tensor::empty({1, 4, 6}), probs = Tensor::empty({1, 3, 4, 4});
  AttentionMask none;
  expect_error([&] { attention_forward(q, k, v, {}, none, {3, 2, 2, 1.0}, out, probs); }, "multiple of n_kv_heads");
  expect_error([&] { attention_forward(q, k, Tensor::zeros({1, 5, 6}), {}, none, {3, 3, 2, 1.0}, out, probs); },
               "must have the shape of k");
  expect_error([&] { attention_forward(q, k, v, {}, none, {2, 2, 2, 1.0}, out, probs); }, "n_heads*d_kv");
  expect_error([&] { attention_forward(q, k, v, Tensor::zeros({3, 4, 5}), none, {3, 3, 2, 1.0}, out, probs); },
               "bias must be [n_heads, Tq, Tk]");
  expect_error([&] { attention_forward(q, k, v, {}, none, {3, 3, 2, 1.0}, out, Tensor::empty({1, 3, 4, 5})); },
               "probs must be contiguous");
  Tensor k5 = Tensor::zeros({1, 5, 6}), probs5 = Tensor::empty({1, 3, 4, 5});
  AttentionMask causal;
  causal.causal = true;
  expect_error([&] { attention_forward(q, k5, k5, {}, causal, {3, 3, 2, 1.0}, out, probs5); }, "causal mask needs");
  AttentionMask prefix_only;
  prefix_only.prefix = int_tensor({1, 4}, {1, 1, 0, 0});
  expect_error([&] { attention_forward(q, k, v, {}, prefix_only, {3, 3, 2, 1.0}, out, probs); }, "needs causal");
  AttentionMask bad_valid;
  bad_valid.key_valid = int_tensor({1, 3}, {1, 1, 1});
  expect_error([&] { attention_forward(q, k, v, {}, bad_valid, {3, 3, 2, 1.0}, out, probs); }, "key_valid must have shape");
  AttentionMask half_segments;
  half_segments.query_segments = int_tensor({1, 4}, {1, 1, 1, 1});
  expect_error([&] { attention_forward(q, k, v, {}, half_segments, {3, 3, 2, 1.0}, out, probs); }, "key_segments");
  expect_error([&] { attention_forward(q, k, v, {}, none, {3, 3, 2, 1.0}, out, Tensor::empty({1, 3, 4, 4}, DType::F64)); },
               "F64");
}

}  // namespace
}  // namespace hone::testing
