#include "train/adamw.h"

#include <gtest/gtest.h>

#include <cmath>

#include "backend/elementwise.h"
#include "support/tensor_testing.h"
#include "support/torch_reference.h"

namespace hone {
namespace {

TEST(AdamW, TenStepsMatchTorchWithDecayOnMatricesAndClipping) {
  ParameterStore store;
  store.add("w", {7, 5});
  store.add("b", {5});
  store.finalize();
  copy(testing::random_tensor({7, 5}, 1, DType::F32), store.get("w").value);
  copy(testing::random_tensor({5}, 2, DType::F32), store.get("b").value);
  testing::TensorMap inputs{{"w", clone(store.get("w").value)}, {"b", clone(store.get("b").value)}};

  AdamWConfig config{0.9, 0.95, 1e-8, 0.1, 1.0};
  AdamW optimizer(store, config);
  const int steps = 10;
  for (int s = 0; s < steps; ++s) {
    for (const char* name : {"w", "b"}) {
      Parameter& p = store.get(name);
      Tensor g = testing::random_tensor(p.shape, 100 + 10 * s + (name[0] == 'w'), DType::F32, -2, 2);
      copy(g, p.grad);
      inputs["grad" + std::to_string(s) + "_" + name] = g;
    }
    optimizer.step(3e-2);
  }
  auto ref = testing::torch_reference("optim", "adamw_steps", inputs,
                                      {{"names", {"w", "b"}}, {"steps", steps}, {"lr", 3e-2}, {"beta1", 0.9},
                                       {"beta2", 0.95}, {"eps", 1e-8}, {"weight_decay", 0.1}, {"max_grad_norm", 1.0}});
  EXPECT_LT(testing::max_relative_error(store.get("w").value, ref.at("w")), 1e-5);
  EXPECT_LT(testing::max_relative_error(store.get("b").value, ref.at("b")), 1e-5);
  EXPECT_EQ(optimizer.steps_taken(), steps);
}

TEST(AdamW, RequiresFinalizedStore) {
  ParameterStore store;
  store.add("w", {2, 2});
  EXPECT_THROW(AdamW(store, {}), Error);
}

TEST(AdamW, RejectsSettingsThatWouldProduceNaN) {
  ParameterStore store;
  store.add("w", {2, 2});
  store.finalize();
  EXPECT_THROW(AdamW(store, AdamWConfig{1.0, 0.999, 1e-8, 0, 0}), Error);  // bias correction 1 - 1^t = 0
  EXPECT_THROW(AdamW(store, AdamWConfig{0.9, 1.0, 1e-8, 0, 0}), Error);
  EXPECT_THROW(AdamW(store, AdamWConfig{0.9, 0.999, 0.0, 0, 0}), Error);
  EXPECT_THROW(AdamW(store, AdamWConfig{0.9, 0.999, 1e-8, -0.1, 0}), Error);
  EXPECT_THROW(AdamW(store, AdamWConfig{0.9, 0.999, 1e-8, 0, -1}), Error);
  AdamW ok(store, {});
  EXPECT_THROW(ok.step(-1e-3), Error);
  EXPECT_THROW(ok.step(std::nan("")), Error);
  EXPECT_NO_THROW(ok.step(1e-3));
}

}  // namespace
}  // namespace hone
