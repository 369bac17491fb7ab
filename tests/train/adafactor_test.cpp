#include "train/adafactor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "backend/elementwise.h"
#include "core/threads.h"
#include "support/tensor_testing.h"
#include "support/torch_reference.h"

namespace hone {
namespace {

// A matrix, a 3-D tensor (factored over its last two dimensions), a vector and a one-element tensor.
struct ShapedName {
  const char* name;
  Shape shape;
};
const std::vector<ShapedName> kParams = {{"w", {7, 5}}, {"k", {3, 4, 6}}, {"b", {5}}, {"s", {1}}};
constexpr int kSteps = 10;

nlohmann::json names_json() {
  nlohmann::json names = nlohmann::json::array();
  for (const ShapedName& p : kParams) names.push_back(p.name);
  return names;
}

// Gradient of parameter index i at step s: seeded, and scaled per parameter and step so that the
// second-moment statistics, update clipping and parameter scale all see varying magnitudes.
Tensor gradient(size_t i, int s, const Shape& shape) {
  const double scale = std::pow(2.0, static_cast<double>((s * 3 + static_cast<int>(i)) % 5) - 2.0);
  return testing::random_tensor(shape, 1000 + 17 * s + i, DType::F32, -scale, scale);
}

// Runs kSteps of hone's Adafactor and the torch reference function on the same parameters and
// gradients, and checks the parameters after every step: values within 1e-5 (normwise relative) and,
// more sensitively, the displacement from the initial values within 1e-4.
void expect_parity_over_ten_steps(const AdafactorConfig& config, const char* function, nlohmann::json ref_config) {
  ParameterStore store;
  for (const ShapedName& p : kParams) store.add(p.name, p.shape);
  store.finalize();
  testing::TensorMap inputs;
  std::vector<Tensor> initial;
  for (size_t i = 0; i < kParams.size(); ++i) {
    Parameter& p = store.get(kParams[i].name);
    copy(testing::random_tensor(p.shape, 1 + i, DType::F32, -1, 1), p.value);
    initial.push_back(clone(p.value));
    inputs[p.name] = clone(p.value);
  }
  Adafactor optimizer(store, config);
  std::vector<std::vector<Tensor>> after(kSteps);
  for (int s = 0; s < kSteps; ++s) {
    for (size_t i = 0; i < kParams.size(); ++i) {
      Parameter& p = store.get(kParams[i].name);
      Tensor g = gradient(i, s, p.shape);
      copy(g, p.grad);
      inputs["grad" + std::to_string(s) + "_" + p.name] = g;
    }
    optimizer.step();
    for (const ShapedName& p : kParams) after[s].push_back(clone(store.get(p.name).value));
  }
  EXPECT_EQ(optimizer.steps_taken(), kSteps);

  ref_config["names"] = names_json();
  ref_config["steps"] = kSteps;
  auto ref = testing::torch_reference("adafactor_ref", function, inputs, ref_config);
  double worst_value = 0, worst_displacement = 0;
  for (int s = 0; s < kSteps; ++s) {
    for (size_t i = 0; i < kParams.size(); ++i) {
      const std::string key = std::string(kParams[i].name) + "_step" + std::to_string(s);
      const Tensor& expected = ref.at(key);
      const double value_error = testing::max_relative_error(after[s][i], expected);
      Tensor moved = clone(after[s][i]), expected_moved = clone(expected);
      axpy(-1.0, initial[i], moved);
      axpy(-1.0, initial[i], expected_moved);
      const double displacement_error = testing::max_relative_error(moved, expected_moved);
      // fp32 rounding of the parameters themselves (a few ulps of max|p| per step) bounds how well a
      // small displacement can agree; above that floor, 1e-4.
      const double rounding_floor =
          4.0 * (s + 1) * std::numeric_limits<float>::epsilon() * testing::max_abs(initial[i]) /
          testing::max_abs(expected_moved);
      EXPECT_LT(value_error, 1e-5) << key;
      EXPECT_LT(displacement_error, 1e-4 + rounding_floor) << key;
      // The parameters must actually move, or the comparison above says little.
      EXPECT_GT(testing::max_abs(expected_moved), 1e-4) << key;
      worst_value = std::max(worst_value, value_error);
      worst_displacement = std::max(worst_displacement, displacement_error);
    }
  }
  std::printf("  %s: worst value error %.2e, worst displacement error %.2e\n", function, worst_value,
              worst_displacement);
}

TEST(Adafactor, HuggingFaceT5DefaultsMatchTransformersOverTenSteps) {
  expect_parity_over_ten_steps(AdafactorConfig{}, "hf_adafactor_steps", {});
}

TEST(Adafactor, HuggingFaceWithFirstMomentAndWeightDecayMatchesTransformers) {
  AdafactorConfig config;
  config.beta1 = 0.9;
  config.weight_decay = 0.1;
  config.clip_threshold = 0.5;
  expect_parity_over_ten_steps(config, "hf_adafactor_steps", {{"beta1", 0.9}, {"weight_decay", 0.1},
                                                              {"clip_threshold", 0.5}});
}

TEST(Adafactor, HuggingFaceExternalLrWithoutParameterScaleMatchesTransformers) {
  AdafactorConfig config;
  config.relative_step = false;
  config.scale_parameter = false;
  config.lr = 3e-3;
  config.beta1 = 0.5;
  config.decay_rate = -0.5;
  config.eps1 = 1e-2;  // large enough that adding it to g^2 changes the statistics
  expect_parity_over_ten_steps(config, "hf_adafactor_steps",
                               {{"relative_step", false}, {"scale_parameter", false}, {"lr", 3e-3},
                                {"beta1", 0.5}, {"decay_rate", -0.5}, {"eps1", 1e-2}});
}

TEST(Adafactor, TorchDefaultsMatchTorchOptimAdafactorOverTenSteps) {
  AdafactorConfig config;
  config.semantics = AdafactorVariant::torch;
  expect_parity_over_ten_steps(config, "torch_adafactor_steps", {});
}

TEST(Adafactor, TorchWithWeightDecayAndOptionsMatchesTorchOptimAdafactor) {
  AdafactorConfig config;
  config.semantics = AdafactorVariant::torch;
  config.lr = 0.05;
  config.weight_decay = 0.2;
  config.clip_threshold = 1.5;
  config.decay_rate = -0.6;
  config.eps2 = 0.5;   // above the parameters' RMS, so the parameter scale floor is exercised
  config.eps1 = 0.2;  // large enough that the clamps at eps1 (mean R) and eps1^2 (V_hat) bind
  expect_parity_over_ten_steps(config, "torch_adafactor_steps",
                               {{"lr", 0.05}, {"weight_decay", 0.2}, {"d", 1.5}, {"beta2_decay", -0.6},
                                {"eps2", 0.5}, {"eps1", 0.2}});
}

// Checked by hand, without torch: at step 1 a vector's statistic is g^2 + eps1, so u = sign(g) with
// RMS 1; clip_threshold 0.25 divides it by 4, and the step size is 1e-2 * RMS(p).
TEST(Adafactor, FirstStepOnAVectorIsTheClippedSignTimesTheRelativeStep) {
  ParameterStore store(DType::F64);
  Parameter& p = store.add("v", {4});
  store.finalize();
  const double values[4] = {1.0, -2.0, 3.0, -4.0}, grads[4] = {0.5, 0.25, -3.0, 1e-3};
  std::memcpy(p.value.data<double>(), values, sizeof(values));
  std::memcpy(p.grad.data<double>(), grads, sizeof(grads));
  AdafactorConfig config;
  config.clip_threshold = 0.25;
  Adafactor optimizer(store, config);
  optimizer.step();
  const double rms = std::sqrt((1.0 + 4.0 + 9.0 + 16.0) / 4.0);
  EXPECT_DOUBLE_EQ(optimizer.relative_step_size(), 1e-2);
  for (int i = 0; i < 4; ++i) {
    const double expected = values[i] - 1e-2 * rms * 0.25 * (grads[i] > 0 ? 1.0 : -1.0);
    EXPECT_NEAR(testing::element(p.value, i), expected, 1e-12) << i;
  }
}

TEST(Adafactor, FactoredStateIsRowsPlusColumnsPerSlice) {
  ParameterStore store;
  store.add("embedding", {300, 64});
  store.add("k", {3, 4, 6});
  store.add("bias", {64});
  store.add("scalar", {1});
  store.finalize();
  Adafactor optimizer(store, {});
  const auto& m = optimizer.moments();
  ASSERT_EQ(m.size(), 4u);
  ASSERT_TRUE(m[0].factored());
  EXPECT_EQ(m[0].row.shape(), (Shape{300}));
  EXPECT_EQ(m[0].col.shape(), (Shape{64}));
  ASSERT_TRUE(m[1].factored());
  EXPECT_EQ(m[1].row.shape(), (Shape{3, 4}));
  EXPECT_EQ(m[1].col.shape(), (Shape{3, 6}));
  EXPECT_FALSE(m[2].factored());
  EXPECT_EQ(m[2].variance.shape(), (Shape{64}));
  EXPECT_FALSE(m[3].factored());
  EXPECT_EQ(m[3].variance.shape(), (Shape{1}));
  EXPECT_EQ(optimizer.second_moment_numel(), (300 + 64) + (12 + 18) + 64 + 1);
  // The flat buffer only adds alignment padding (at most one 64-byte line per segment, 6 segments).
  EXPECT_LE(optimizer.second_moment_buffer().numel(), optimizer.second_moment_numel() + 6 * 16);
  EXPECT_LT(optimizer.second_moment_buffer().numel(), store.numel() / 20);
  EXPECT_FALSE(optimizer.first_moments().defined());
}

// Large enough that every kernel takes its parallel path; each output has one owner and partial sums
// are combined in a fixed order, so the thread count cannot change a bit.
TEST(Adafactor, OneAndTwoThreadsGiveIdenticalParameters) {
  auto run = [](int threads, AdafactorVariant semantics) {
    const int saved = num_threads();
    set_num_threads(threads);
    ParameterStore store;
    store.add("w", {300, 160});
    store.add("k", {2, 150, 130});
    store.add("b", {40000});
    store.finalize();
    for (const Parameter& p : store.all()) copy(testing::random_tensor(p.shape, 7, DType::F32), p.value);
    AdafactorConfig config;
    config.semantics = semantics;
    if (semantics == AdafactorVariant::hugging_face) config.beta1 = 0.9;
    Adafactor optimizer(store, config);
    for (int s = 0; s < 3; ++s) {
      size_t i = 0;
      for (const Parameter& p : store.all()) copy(gradient(i++, s, p.shape), p.grad);
      optimizer.step();
    }
    set_num_threads(saved);
    return clone(store.values());
  };
  for (AdafactorVariant semantics : {AdafactorVariant::hugging_face, AdafactorVariant::torch}) {
    Tensor one = run(1, semantics), two = run(2, semantics);
    EXPECT_EQ(std::memcmp(one.data<float>(), two.data<float>(), one.nbytes()), 0);
    EXPECT_EQ(testing::max_relative_error(one, two), 0.0);
  }
}

// A schedule passes the lr per step; that must be the same as configuring it.
TEST(Adafactor, ExternalLrPerStepEqualsTheConfiguredLr) {
  auto run = [](AdafactorConfig config, std::optional<double> per_step_lr) {
    ParameterStore store;
    store.add("w", {6, 4});
    store.add("b", {4});
    store.finalize();
    for (const Parameter& p : store.all()) copy(testing::random_tensor(p.shape, 3, DType::F32), p.value);
    Adafactor optimizer(store, config);
    for (int s = 0; s < 4; ++s) {
      size_t i = 0;
      for (const Parameter& p : store.all()) copy(gradient(i++, s, p.shape), p.grad);
      if (per_step_lr) {
        optimizer.step(*per_step_lr);
      } else {
        optimizer.step();
      }
    }
    return clone(store.values());
  };
  AdafactorConfig torch_config;
  torch_config.semantics = AdafactorVariant::torch;
  torch_config.weight_decay = 0.1;
  AdafactorConfig torch_configured = torch_config;
  torch_configured.lr = 0.003;
  EXPECT_EQ(testing::max_relative_error(run(torch_config, 0.003), run(torch_configured, std::nullopt)), 0.0);
  // And the lr matters: the default 1e-2 gives different parameters.
  EXPECT_GT(testing::max_relative_error(run(torch_config, std::nullopt), run(torch_configured, std::nullopt)), 1e-4);

  AdafactorConfig hf_config;
  hf_config.relative_step = false;
  hf_config.lr = 0.02;
  AdafactorConfig hf_other = hf_config;
  hf_other.lr = 0.5;  // replaced by the per-step lr
  EXPECT_EQ(testing::max_relative_error(run(hf_other, 0.02), run(hf_config, std::nullopt)), 0.0);
}

TEST(Adafactor, RejectsConfigurationsTheReferencesReject) {
  ParameterStore store;
  store.add("w", {3, 2});
  store.finalize();
  auto rejects = [&](AdafactorConfig config) {
    EXPECT_THROW(Adafactor(store, config), Error);
  };
  AdafactorConfig lr_with_relative_step;
  lr_with_relative_step.lr = 1e-3;  // transformers: "Cannot combine manual `lr` and `relative_step=True`"
  rejects(lr_with_relative_step);
  AdafactorConfig warmup_without_relative_step;
  warmup_without_relative_step.relative_step = false;
  warmup_without_relative_step.lr = 1e-3;
  warmup_without_relative_step.warmup_init = true;
  rejects(warmup_without_relative_step);
  AdafactorConfig no_lr_at_all;
  no_lr_at_all.relative_step = false;
  rejects(no_lr_at_all);
  AdafactorConfig torch_with_beta1;
  torch_with_beta1.semantics = AdafactorVariant::torch;
  torch_with_beta1.beta1 = 0.9;
  rejects(torch_with_beta1);
  AdafactorConfig torch_small_d;
  torch_small_d.semantics = AdafactorVariant::torch;
  torch_small_d.clip_threshold = 0.5;  // torch: "Clipping threshold d should be >= 1"
  rejects(torch_small_d);
  AdafactorConfig positive_decay_rate;
  positive_decay_rate.decay_rate = 0.8;
  rejects(positive_decay_rate);

  // The valid versions of the same options are accepted.
  AdafactorConfig warmup_with_relative_step;
  warmup_with_relative_step.warmup_init = true;
  EXPECT_NO_THROW(Adafactor(store, warmup_with_relative_step));
  AdafactorConfig external_lr;
  external_lr.relative_step = false;
  external_lr.lr = 1e-3;
  EXPECT_NO_THROW(Adafactor(store, external_lr));
  Adafactor relative(store, {});
  EXPECT_THROW(relative.step(1e-3), Error);  // an external lr means nothing with relative_step

  ParameterStore unfinalized;
  unfinalized.add("w", {2, 2});
  EXPECT_THROW(Adafactor(unfinalized, {}), Error);
}

}  // namespace
}  // namespace hone
