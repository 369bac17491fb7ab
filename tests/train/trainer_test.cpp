// The training loop: gradient accumulation, clipping, skipping non-finite steps, bit-identical resume
// (in process and after kill -9), --init, checkpoint validation and the run registry.
#include "train/trainer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "backend/elementwise.h"
#include "core/error.h"
#include "scaling/run_registry.h"
#include "support/run_command.h"
#include "support/tensor_testing.h"
#include "train/checkpoint.h"
#include "train/trainer_testing.h"

namespace hone {
namespace {

using testing::TrainScratch;
using testing::tiny;
using testing::weight_bytes;

// Weights after one step minus the initial weights.
Tensor first_update(PretrainRecipe recipe, double* grad_norm = nullptr, double* loss = nullptr) {
  Trainer trainer(std::move(recipe));
  const Tensor before = clone(trainer.model().params().values());
  const StepMetrics m = trainer.step();
  if (grad_norm) *grad_norm = m.grad_norm;
  if (loss) *loss = m.loss;
  Tensor delta = clone(trainer.model().params().values());
  axpy(-1.0, before, delta);
  return delta;
}

TEST(Trainer, TwoMicroBatchesOfHalfGiveTheUpdateOfOneBatch) {
  TrainScratch dir("accum");
  testing::write_test_dataset(dir / "data", 7);
  // eps 1 keeps AdamW's first update nearly linear in the gradient (lr g / (|g| + 1)), so the update
  // compares the gradients themselves.
  const std::vector<std::string> linear = {"optimizer.adamw.eps=1.0", "optimizer.max_grad_norm=0", "optimizer.weight_decay=0",
                                           "schedule.kind=constant", "schedule.warmup_steps=0", "schedule.peak_lr=1e-2"};
  auto with = [&](std::vector<std::string> extra) {
    extra.insert(extra.end(), linear.begin(), linear.end());
    return extra;
  };
  double loss_one = 0, loss_two = 0, norm_one = 0, norm_two = 0;
  const Tensor one = first_update(tiny(dir / "data", dir / "one", with({"data.batch_size=4"})), &norm_one, &loss_one);
  const Tensor two = first_update(tiny(dir / "data", dir / "two", with({"data.batch_size=2", "data.grad_accumulation=2"})),
                                  &norm_two, &loss_two);
  EXPECT_GT(std::sqrt(sum_squares(one)), 0.0);
  EXPECT_LT(testing::max_relative_error(two, one), 1e-5);
  EXPECT_NEAR(loss_two, loss_one, 1e-6 * loss_one);
  EXPECT_NEAR(norm_two, norm_one, 1e-5 * norm_one);
  // Four micro-batches of one row agree too; a different split of the data would not.
  const Tensor four = first_update(tiny(dir / "data", dir / "four", with({"data.batch_size=1", "data.grad_accumulation=4"})));
  EXPECT_LT(testing::max_relative_error(four, one), 1e-5);
  const Tensor other = first_update(tiny(dir / "data", dir / "other", with({"data.batch_size=4", "train.seed=99"})));
  EXPECT_GT(testing::max_relative_error(other, one), 1e-2);
}

TEST(Trainer, ClippingScalesTheGradientToTheThreshold) {
  TrainScratch dir("clip");
  testing::write_test_dataset(dir / "data", 8);
  // lr = eps = 1e6: AdamW's first update is the (clipped) gradient itself to 1e-7.
  const std::vector<std::string> sgd = {"optimizer.adamw.eps=1e6", "optimizer.weight_decay=0", "schedule.kind=constant",
                                        "schedule.warmup_steps=0"};
  auto with = [&](std::vector<std::string> extra) {
    extra.insert(extra.end(), sgd.begin(), sgd.end());
    return extra;
  };
  double norm = 0, clipped_norm = 0;
  const Tensor plain = first_update(tiny(dir / "data", dir / "a", with({"optimizer.max_grad_norm=0", "schedule.peak_lr=1e6"})), &norm);
  ASSERT_GT(norm, 1e-2);
  const double threshold = 1e-3;
  // Raise the lr by norm / threshold so both updates have the same size.
  const std::string lr = "schedule.peak_lr=" + std::to_string(1e6 * norm / threshold);
  const Tensor clipped = first_update(tiny(dir / "data", dir / "b", with({"optimizer.max_grad_norm=0.001", lr})), &clipped_norm);
  EXPECT_DOUBLE_EQ(clipped_norm, norm);  // the reported norm is the one before clipping
  Tensor expected = clone(plain);
  scale(expected, (std::stod(lr.substr(lr.find('=') + 1)) / 1e6) * threshold / (norm + 1e-6));
  EXPECT_LT(testing::max_relative_error(clipped, expected), 1e-4);
  // A threshold above the norm changes nothing.
  const Tensor loose = first_update(tiny(dir / "data", dir / "c", with({"optimizer.max_grad_norm=1e9", "schedule.peak_lr=1e6"})));
  EXPECT_EQ(testing::max_relative_error(loose, plain), 0.0);
}

TEST(Trainer, NonFiniteGradientSkipsTheUpdate) {
  TrainScratch dir("nan");
  testing::write_test_dataset(dir / "data", 9);
  TrainerOptions options;
  options.after_backward = [](ParameterStore& params, int64_t step) {
    if (step == 1) params.grads().data<float>()[3] = std::numeric_limits<float>::quiet_NaN();
  };
  {
    Trainer trainer(tiny(dir / "data", dir / "step"), options);
    EXPECT_FALSE(trainer.step().skipped);
    const auto before = weight_bytes(trainer.model().params());
    const StepMetrics bad = trainer.step();
    EXPECT_TRUE(bad.skipped);
    EXPECT_TRUE(std::isnan(bad.grad_norm));
    EXPECT_TRUE(std::isfinite(bad.loss));
    EXPECT_EQ(weight_bytes(trainer.model().params()), before);  // untouched
    const StepMetrics next = trainer.step();
    EXPECT_FALSE(next.skipped);
    EXPECT_TRUE(std::isfinite(next.loss));
    EXPECT_NE(weight_bytes(trainer.model().params()), before);
    EXPECT_EQ(next.step, 3);
  }
  Trainer trainer(tiny(dir / "data", dir / "run", {"train.max_steps=4"}), options);
  const TrainResult result = trainer.run();
  EXPECT_EQ(result.skipped_steps, 1);
  EXPECT_EQ(result.steps, 4);
  const std::string metrics = testing::read_file(dir / "run/metrics.jsonl");
  EXPECT_NE(metrics.find("\"grad_norm\":null"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("\"skipped\":true"), std::string::npos) << metrics;
}

// N steps straight against k steps, a destroyed trainer, and a resume to N.
void expect_bit_identical_resume(const std::vector<std::string>& sets) {
  TrainScratch dir("resume");
  testing::write_test_dataset(dir / "data", 10);
  testing::write_test_dataset(dir / "eval", 11, 30);
  Trainer straight(tiny(dir / "data", dir / "straight", sets, dir / "eval"));
  const TrainResult full = straight.run();
  ASSERT_EQ(full.steps, 12);
  ASSERT_TRUE(full.final_eval_loss.has_value());

  std::vector<StepMetrics> pieces;
  {
    TrainerOptions stop;
    stop.stop_after = 5;  // between the checkpoints every 4 steps
    Trainer first(tiny(dir / "data", dir / "resumed", sets, dir / "eval"), stop);
    const TrainResult part = first.run();
    EXPECT_EQ(part.steps, 5);
    EXPECT_FALSE(part.resumed);
    pieces = part.history;
  }
  Trainer second(tiny(dir / "data", dir / "resumed", sets, dir / "eval"));
  EXPECT_TRUE(second.resumed());
  EXPECT_EQ(second.steps_done(), 5);
  const TrainResult rest = second.run();
  EXPECT_TRUE(rest.resumed);
  EXPECT_EQ(rest.resumed_from_step, 5);
  pieces.insert(pieces.end(), rest.history.begin(), rest.history.end());
  ASSERT_EQ(pieces.size(), full.history.size());
  for (size_t i = 0; i < pieces.size(); ++i) {
    EXPECT_EQ(pieces[i].loss, full.history[i].loss) << "step " << i + 1;
    EXPECT_EQ(pieces[i].grad_norm, full.history[i].grad_norm) << "step " << i + 1;
    EXPECT_EQ(pieces[i].lr, full.history[i].lr) << "step " << i + 1;
    EXPECT_EQ(pieces[i].tokens, full.history[i].tokens) << "step " << i + 1;
  }
  EXPECT_EQ(rest.final_eval_loss, full.final_eval_loss);
  EXPECT_EQ(weight_bytes(second.model().params()), weight_bytes(straight.model().params()));
  EXPECT_EQ(testing::read_file(dir / "resumed/checkpoint/model.safetensors"),
            testing::read_file(dir / "straight/checkpoint/model.safetensors"));
  EXPECT_EQ(testing::read_file(dir / "resumed/checkpoint/optimizer.safetensors"),
            testing::read_file(dir / "straight/checkpoint/optimizer.safetensors"));
  EXPECT_EQ(testing::metric_losses(dir / "resumed/metrics.jsonl"), testing::metric_losses(dir / "straight/metrics.jsonl"));
  // Training did something.
  EXPECT_LT(full.history.back().loss, full.history.front().loss);
}

TEST(Trainer, ResumeIsBitIdenticalWithAdamW) { expect_bit_identical_resume({"data.grad_accumulation=2"}); }

TEST(Trainer, ResumeIsBitIdenticalWithAdafactor) {
  expect_bit_identical_resume({"optimizer.name=adafactor", "optimizer.max_grad_norm=0", "data.segment_masks=true"});
}

TEST(Trainer, ResumeRefusesAChangedRecipe) {
  TrainScratch dir("refuse");
  testing::write_test_dataset(dir / "data", 12);
  {
    TrainerOptions stop;
    stop.stop_after = 2;
    Trainer(tiny(dir / "data", dir / "run"), stop).run();
  }
  try {
    Trainer changed(tiny(dir / "data", dir / "run", {"schedule.peak_lr=1e-2", "data.batch_size=2", "train.max_steps=20"}));
    FAIL() << "a changed recipe was resumed";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("data.batch_size, schedule.peak_lr"), std::string::npos) << message;
    EXPECT_EQ(message.find("max_steps"), std::string::npos) << message;
  }
  // A longer budget is fine, and so is starting over.
  Trainer longer(tiny(dir / "data", dir / "run", {"train.max_steps=20"}));
  EXPECT_EQ(longer.steps_done(), 2);
  EXPECT_EQ(longer.total_steps(), 20);
  TrainerOptions fresh;
  fresh.resume = false;
  Trainer over(tiny(dir / "data", dir / "run", {"schedule.peak_lr=1e-2"}), fresh);
  EXPECT_EQ(over.steps_done(), 0);
}

TEST(Trainer, InitContinuesFromACheckpointAndCountsItsFlops) {
  TrainScratch dir("init");
  testing::write_test_dataset(dir / "data", 13);
  Trainer base(tiny(dir / "data", dir / "base", {"train.max_steps=10"}));
  const TrainResult pre = base.run();
  EXPECT_GT(pre.flops, 0.0);
  const std::string init = dir / "base/checkpoint";
  EXPECT_DOUBLE_EQ(load_trainer_state(init).pretraining_flops, pre.flops);

  // No [model]: the model and its weights come from --init.
  const std::string no_model = "[data]\ntrain = \"" + (dir / "data") +
                               "\"\nsequence_length = 32\nbatch_size = 4\n[train]\nregistry = \"none\"\nthreads = 2\n"
                               "flops_fraction = 0.5\nrun_dir = \"" + (dir / "continued") + "\"\n";
  TrainerOptions options;
  options.init = init;
  options.kind = "ul2r";
  Trainer continued(parse_recipe(no_model, "c.toml"), options);
  EXPECT_EQ(continued.model().config(), base.model().config());
  EXPECT_EQ(weight_bytes(continued.model().params()), weight_bytes(base.model().params()));
  EXPECT_EQ(continued.total_steps(), 5);  // half of the 10 steps' FLOPs at the same batch shape
  const TrainResult more = continued.run();
  EXPECT_EQ(more.steps, 5);
  EXPECT_DOUBLE_EQ(more.pretraining_flops, pre.flops + more.flops);
  EXPECT_DOUBLE_EQ(load_trainer_state(dir / "continued/checkpoint").pretraining_flops, pre.flops * 1.5);
  // Continued training starts where the base left off, not from scratch.
  EXPECT_LT(more.history.front().loss, pre.history.front().loss * 0.9);

  // A [model] that disagrees with --init is refused, naming the fields.
  try {
    Trainer mismatch(tiny(dir / "data", dir / "mismatch", {"model.d_model=32"}), options);
    FAIL() << "a mismatched [model] was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("d_model"), std::string::npos) << e.what();
  }
  // One that agrees is fine.
  Trainer agree(tiny(dir / "data", dir / "agree"), options);
  EXPECT_EQ(agree.model().config(), base.model().config());
}

TEST(Trainer, CheckpointWithMisShapedTensorIsRefused) {
  TrainScratch dir("misshaped");
  testing::write_test_dataset(dir / "data", 14);
  Trainer base(tiny(dir / "data", dir / "base", {"train.max_steps=1"}));
  base.run();
  // Tensors of a model with a narrower FFN under the original config.json.
  ModelConfig narrow = base.model().config();
  narrow.d_ff = 96;
  LanguageModel other(narrow);
  other.initialize(1);
  save_checkpoint(dir / "bad", other.params(), base.model().config());
  TrainerOptions options;
  options.init = dir / "bad";
  try {
    Trainer refused(tiny(dir / "data", dir / "run"), options);
    FAIL() << "a mis-shaped checkpoint was loaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("model.layers.0.mlp.gate_proj.weight"), std::string::npos) << e.what();
  }
  // The same damage in the run's own checkpoint stops a resume.
  save_checkpoint(dir / "base/checkpoint", other.params(), base.model().config());
  EXPECT_THROW(Trainer(tiny(dir / "data", dir / "base", {"train.max_steps=2"})), Error);
}

TEST(Trainer, RecordsTheRunInTheRegistry) {
  TrainScratch dir("registry");
  testing::write_test_dataset(dir / "data", 15);
  testing::write_test_dataset(dir / "eval", 16, 30);
  const std::string registry_path = dir / "runs.sqlite";
  Trainer trainer(tiny(dir / "data", dir / "run", {"train.registry=\"" + registry_path + "\"", "train.name=\"tiny-run\""},
                       dir / "eval"));
  const TrainResult result = trainer.run();
  scaling::RunRegistry registry(registry_path, true);
  const auto runs = registry.runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].kind, "pretrain");
  EXPECT_EQ(runs[0].name, "tiny-run");
  EXPECT_EQ(runs[0].status, "finished");
  EXPECT_EQ(runs[0].params, trainer.model().params().numel());
  EXPECT_DOUBLE_EQ(runs[0].tokens, 12.0 * 4 * 32);
  EXPECT_DOUBLE_EQ(runs[0].flops, result.flops);
  ASSERT_TRUE(runs[0].final_loss.has_value());
  EXPECT_DOUBLE_EQ(*runs[0].final_loss, *result.final_eval_loss);
  EXPECT_EQ(runs[0].config["data"]["batch_size"], 4);
  const auto curve = registry.curve(runs[0].id);
  ASSERT_EQ(curve.size(), 6u);  // every log_every = 2 steps
  EXPECT_EQ(curve.back().step, 12);
  EXPECT_TRUE(curve.back().eval_loss.has_value());
}

TEST(Trainer, MetricsAndRunDirectory) {
  TrainScratch dir("metrics");
  testing::write_test_dataset(dir / "data", 17);
  testing::write_test_dataset(dir / "eval", 18, 30);
  Trainer trainer(tiny(dir / "data", dir / "run", {}, dir / "eval"));
  trainer.run();
  std::ifstream in(dir / "run/metrics.jsonl");
  std::string line;
  int lines = 0, evals = 0;
  while (std::getline(in, line)) {
    const nlohmann::json j = nlohmann::json::parse(line);
    ++lines;
    EXPECT_EQ(j.at("step"), lines);
    for (const char* key : {"loss", "lr", "grad_norm", "tokens", "tokens_per_second", "gflops", "skipped"})
      EXPECT_TRUE(j.contains(key)) << key;
    EXPECT_EQ(j.at("tokens"), lines * 4 * 32);
    EXPECT_GT(j.at("gflops").get<double>(), 0.0);
    if (j.contains("eval_loss")) {
      ++evals;
      EXPECT_NEAR(j.at("eval_perplexity").get<double>(), std::exp(j.at("eval_loss").get<double>()), 1e-9);
    }
  }
  EXPECT_EQ(lines, 12);
  EXPECT_EQ(evals, 3);  // steps 4, 8, 12
  // The resolved recipe reads back as the same recipe.
  const PretrainRecipe saved = load_recipe(dir / "run/recipe.toml");
  EXPECT_TRUE(recipe_differences(saved.resolved, trainer.recipe().resolved).empty());
  EXPECT_TRUE(std::filesystem::exists(dir / "run/checkpoint/trainer_state.json"));
  EXPECT_EQ(load_trainer_state(dir / "run/checkpoint").step, 12);
}

}  // namespace
}  // namespace hone
