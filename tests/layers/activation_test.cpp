#include <gtest/gtest.h>

#include "backend/activation.h"
#include "core/threads.h"
#include "layer_testing.h"
#include "support/gradcheck.h"
#include "support/torch_reference.h"

namespace hone {
namespace {

using namespace hone::testing;

const Activation kAll[] = {Activation::ReLU, Activation::GeluTanh, Activation::GeluErf, Activation::SiLU};

std::string label(const char* what, Activation activation) {
  return std::string(what) + " " + std::string(activation_name(activation));
}

TEST(Activation, GradientsMatchFiniteDifferences) {
  for (Activation activation : kAll) {
    SCOPED_TRACE(activation_name(activation));
    const Shape shape{7, 9};
    Tensor x = random_tensor(shape, 1, DType::F64, -3.0, 3.0), probe = random_tensor(shape, 2);
    Tensor y = Tensor::empty(shape, DType::F64), dx = Tensor::empty(shape, DType::F64);
    activation_backward(activation, x, probe, dx);
    auto loss = [&] {
      activation_forward(activation, x, y);
      return dot(y, probe);
    };
    report_gradcheck(label("activation", activation), check_gradients(loss, {{"x", x, dx}}));
  }
}

TEST(GatedActivation, GradientsMatchFiniteDifferences) {
  for (Activation activation : kAll) {
    SCOPED_TRACE(activation_name(activation));
    const Shape shape{6, 11};
    Tensor gate = random_tensor(shape, 3, DType::F64, -3.0, 3.0), up = random_tensor(shape, 4, DType::F64, -2.0, 2.0);
    Tensor probe = random_tensor(shape, 5);
    Tensor y = Tensor::empty(shape, DType::F64);
    Tensor dgate = Tensor::empty(shape, DType::F64), dup = Tensor::empty(shape, DType::F64);
    gated_activation_backward(activation, gate, up, probe, dgate, dup);
    auto loss = [&] {
      gated_activation_forward(activation, gate, up, y);
      return dot(y, probe);
    };
    report_gradcheck(label("gated", activation), check_gradients(loss, {{"gate", gate, dgate}, {"up", up, dup}}));
  }
}

TEST(Activation, KnownValues) {
  Tensor x = Tensor::empty({4}, DType::F64);
  double* p = x.data<double>();
  p[0] = -1.0, p[1] = 0.0, p[2] = 0.5, p[3] = 2.0;
  Tensor y = Tensor::empty({4}, DType::F64);
  activation_forward(Activation::ReLU, x, y);
  EXPECT_EQ(element(y, 0), 0.0);
  EXPECT_EQ(element(y, 3), 2.0);
  activation_forward(Activation::GeluErf, x, y);
  EXPECT_NEAR(element(y, 0), -0.15865525393145707, 1e-14);  // -Phi(-1)
  EXPECT_NEAR(element(y, 3), 1.9544997361036416, 1e-14);
  activation_forward(Activation::GeluTanh, x, y);
  EXPECT_NEAR(element(y, 3), 1.954597694087775, 1e-14);
  activation_forward(Activation::SiLU, x, y);
  EXPECT_NEAR(element(y, 2), 0.5 / (1 + std::exp(-0.5)), 1e-14);
  // In place works for the pointwise form.
  activation_forward(Activation::ReLU, x, x);
  EXPECT_EQ(element(x, 0), 0.0);
}

TEST(Activation, Float32AgreesWithFloat64AcrossTheRange) {
  // The F32 kernels use their own vectorised exp / tanh / erf; F64 uses libm. Compare them on a wide
  // range, including values where exp would overflow and the activations saturate.
  const int64_t count = 4001;
  Tensor x64 = Tensor::empty({count}, DType::F64);
  for (int64_t i = 0; i < count; ++i) x64.data<double>()[i] = -100.0 + 200.0 * static_cast<double>(i) / (count - 1);
  x64.data<double>()[count / 2 + 1] = 1e-4;  // near zero, where tanh and erf lose relative accuracy
  Tensor x32 = clone_as(x64, DType::F32);
  Tensor probe64 = random_tensor({count}, 12), probe32 = clone_as(probe64, DType::F32);
  for (Activation activation : kAll) {
    Tensor y64 = Tensor::empty({count}, DType::F64), y32 = Tensor::empty({count});
    Tensor dx64 = Tensor::empty({count}, DType::F64), dx32 = Tensor::empty({count});
    activation_forward(activation, x64, y64);
    activation_forward(activation, x32, y32);
    activation_backward(activation, x64, probe64, dx64);
    activation_backward(activation, x32, probe32, dx32);
    // Elementwise, relative to max(1, |value|): saturated regions must be exact to float precision too.
    for (int64_t i = 0; i < count; ++i) {
      const double y = element(y64, i), dx = element(dx64, i);
      ASSERT_LE(std::abs(element(y32, i) - y), 1e-6 * std::max(1.0, std::abs(y)))
          << activation_name(activation) << " y at x = " << element(x64, i);
      ASSERT_LE(std::abs(element(dx32, i) - dx), 1e-6 * std::max(1.0, std::abs(dx)))
          << activation_name(activation) << " dx at x = " << element(x64, i);
    }
  }
}

TEST(Activation, MatchesTorch) {
  for (Activation activation : kAll) {
    const Shape shape{5, 33, 48};
    Tensor x = random_tensor(shape, 6, DType::F32, -4.0, 4.0), dy = random_tensor(shape, 7, DType::F32);
    Tensor y = Tensor::empty(shape), dx = Tensor::empty(shape);
    activation_forward(activation, x, y);
    activation_backward(activation, x, dy, dx);
    TensorMap ref = torch_reference("layers", "activation", {{"x", x}, {"dy", dy}},
                                    {{"activation", std::string(activation_name(activation))}});
    expect_close(label("activation y", activation), y, ref.at("y"), kOutputTolerance);
    expect_close(label("activation dx", activation), dx, ref.at("dx"), kGradientTolerance);
  }
}

TEST(GatedActivation, MatchesTorchOnStridedHalves) {
  for (Activation activation : kAll) {
    const int64_t rows = 70, n = 96;
    // gate and up are the two halves of one [rows, 2n] projection output, as in the FFN.
    Tensor hidden = random_tensor({rows, 2 * n}, 8, DType::F32, -4.0, 4.0), dy = random_tensor({rows, n}, 9, DType::F32);
    Tensor gate = hidden.slice(1, 0, n), up = hidden.slice(1, n, 2 * n);
    Tensor y = Tensor::empty({rows, n}), d_hidden = Tensor::empty({rows, 2 * n});
    gated_activation_forward(activation, gate, up, y);
    gated_activation_backward(activation, gate, up, dy, d_hidden.slice(1, 0, n), d_hidden.slice(1, n, 2 * n));
    TensorMap ref = torch_reference("layers", "gated_activation", {{"gate", clone(gate)}, {"up", clone(up)}, {"dy", dy}},
                                    {{"activation", std::string(activation_name(activation))}});
    expect_close(label("gated y", activation), y, ref.at("y"), kOutputTolerance);
    expect_close(label("gated dgate", activation), clone(d_hidden.slice(1, 0, n)), ref.at("dgate"), kGradientTolerance);
    expect_close(label("gated dup", activation), clone(d_hidden.slice(1, n, 2 * n)), ref.at("dup"), kGradientTolerance);
  }
}

TEST(GatedActivation, StridedHalvesEqualContiguousCopies) {
  const int64_t rows = 300, n = 80;  // large enough to run multi-threaded
  Tensor hidden = random_tensor({rows, 2 * n}, 10, DType::F32, -3.0, 3.0), dy = random_tensor({rows, n}, 11, DType::F32);
  Tensor gate = hidden.slice(1, 0, n), up = hidden.slice(1, n, 2 * n);
  Tensor y_strided = Tensor::empty({rows, n}), y_contiguous = Tensor::empty({rows, n});
  gated_activation_forward(Activation::SiLU, gate, up, y_strided);
  gated_activation_forward(Activation::SiLU, clone(gate), clone(up), y_contiguous);
  EXPECT_TRUE(bitwise_equal(y_strided, y_contiguous));
  Tensor dgate = Tensor::empty({rows, n}), dup = Tensor::empty({rows, n});
  gated_activation_backward(Activation::SiLU, clone(gate), clone(up), dy, dgate, dup);
  Tensor d_hidden = Tensor::empty({rows, 2 * n});
  gated_activation_backward(Activation::SiLU, gate, up, dy, d_hidden.slice(1, 0, n), d_hidden.slice(1, n, 2 * n));
  EXPECT_TRUE(bitwise_equal(clone(d_hidden.slice(1, 0, n)), dgate));
  EXPECT_TRUE(bitwise_equal(clone(d_hidden.slice(1, n, 2 * n)), dup));
}

TEST(GatedActivation, ThreadCountLeavesNoTrace) {
  const int saved_threads = num_threads();
  Tensor gate = random_tensor({256, 384}, 13, DType::F32, -3.0, 3.0), up = random_tensor({256, 384}, 14, DType::F32);
  Tensor dy = random_tensor({256, 384}, 15, DType::F32);
  std::vector<Tensor> results;
  for (int threads : {2, 2, 1}) {
    set_num_threads(threads);
    Tensor y = Tensor::empty({256, 384}), dgate = Tensor::empty({256, 384}), dup = Tensor::empty({256, 384});
    gated_activation_forward(Activation::GeluTanh, gate, up, y);
    gated_activation_backward(Activation::GeluTanh, gate, up, dy, dgate, dup);
    results.insert(results.end(), {y, dgate, dup});
  }
  set_num_threads(saved_threads);
  for (size_t i = 3; i < results.size(); ++i) EXPECT_TRUE(bitwise_equal(results[i], results[i % 3])) << i;
}

TEST(Activation, NamesRoundTripAndUnknownNamesFail) {
  for (Activation activation : kAll) EXPECT_EQ(parse_activation(activation_name(activation)), activation);
  EXPECT_EQ(parse_activation("gelu_pytorch_tanh"), Activation::GeluTanh);
  try {
    parse_activation("gelu_fastest");
    FAIL() << "expected hone::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("gelu_fastest"), std::string::npos) << e.what();
  }
}

TEST(Activation, RejectBadShapesWithClearErrors) {
  Tensor x = Tensor::zeros({4, 8});
  EXPECT_THROW(activation_forward(Activation::ReLU, x, Tensor::zeros({4, 7})), Error);
  EXPECT_THROW(activation_backward(Activation::SiLU, x, Tensor::zeros({8, 4}), Tensor::zeros({4, 8})), Error);
  EXPECT_THROW(activation_forward(Activation::ReLU, x, Tensor::zeros({4, 8}, DType::F64)), Error);
  try {
    gated_activation_forward(Activation::GeluTanh, x, Tensor::zeros({4, 9}), Tensor::zeros({4, 8}));
    FAIL() << "expected hone::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("up must be [4, 8]"), std::string::npos) << e.what();
  }
  // A gate whose last dimension is strided (a transposed view) is refused, not silently misread.
  EXPECT_THROW(gated_activation_forward(Activation::SiLU, Tensor::zeros({8, 4}).transpose(0, 1), x, x), Error);
  EXPECT_THROW(gated_activation_forward(Activation::SiLU, Tensor::zeros({32}), Tensor::zeros({32}), Tensor::zeros({32})),
               Error);
}

}  // namespace
}  // namespace hone
