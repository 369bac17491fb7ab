// `hone pretrain` and `hone ul2r` as processes: kill -9 in the middle of a run and resume, argument
// handling, one-line errors with exit codes.
#include <gtest/gtest.h>

#include <fstream>

#include "support/run_command.h"
#include "train/checkpoint.h"
#include "train/trainer_testing.h"

namespace hone {
namespace {

using testing::hone_binary;
using testing::run_command;
using testing::TrainScratch;

std::string write_recipe(const TrainScratch& dir, const std::string& name, const std::string& text) {
  const std::string path = dir / name;
  std::ofstream(path) << text;
  return path;
}

TEST(PretrainCommand, KillNineMidRunThenResumeMatchesAStraightRun) {
  TrainScratch dir("kill");
  testing::write_test_dataset(dir / "data", 21);
  const int64_t steps = 200;
  const std::string recipe = write_recipe(
      dir, "tiny.toml",
      testing::tiny_recipe(dir / "data", "unused"));
  const std::string common = " pretrain " + recipe + " --threads 1 --registry none --set train.max_steps=" +
                             std::to_string(steps) + " --set train.checkpoint_every=20 --set train.eval_every=0";
  const auto straight = run_command(hone_binary() + common + " --run-dir " + (dir / "straight"));
  ASSERT_EQ(straight.exit_code, 0) << straight.output;
  EXPECT_NE(straight.output.find("final loss"), std::string::npos) << straight.output;

  // Start, wait for the first checkpoint, kill -9.
  const std::string killed_dir = dir / "killed";
  std::string script = "(";
  script += hone_binary();
  script += common;
  script += " --run-dir " + killed_dir + " > " + (dir / "killed.log") + " 2>&1 & pid=$!; i=0; ";
  script += "while [ ! -f " + killed_dir + "/checkpoint/trainer_state.json ] && [ $i -lt 6000 ]; ";
  script += "do sleep 0.005; i=$((i+1)); done; kill -9 $pid; wait $pid; echo exit=$?)";
  const auto killed = run_command(script);
  EXPECT_NE(killed.output.find("exit=137"), std::string::npos) << killed.output;
  recover_checkpoint(killed_dir + "/checkpoint");
  const int64_t reached = load_trainer_state(killed_dir + "/checkpoint").step;
  ASSERT_LT(reached, steps) << "the run finished before it was killed";
  EXPECT_EQ(reached % 20, 0);

  const auto resumed = run_command(hone_binary() + common + " --run-dir " + killed_dir);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resuming at step"), std::string::npos) << resumed.output;
  const auto a = testing::metric_losses(dir / "straight/metrics.jsonl");
  const auto b = testing::metric_losses(killed_dir + "/metrics.jsonl");
  ASSERT_EQ(a.size(), static_cast<size_t>(steps));
  EXPECT_EQ(a, b);
  EXPECT_EQ(testing::read_file(dir / "straight/checkpoint/model.safetensors"),
            testing::read_file(killed_dir + "/checkpoint/model.safetensors"));
  EXPECT_EQ(testing::read_file(dir / "straight/checkpoint/optimizer.safetensors"),
            testing::read_file(killed_dir + "/checkpoint/optimizer.safetensors"));
  EXPECT_EQ(load_trainer_state(dir / "straight/checkpoint"), load_trainer_state(killed_dir + "/checkpoint"));
}

TEST(PretrainCommand, RecipeErrorsAreOneLineUsageErrors) {
  TrainScratch dir("cli_errors");
  const std::string recipe = write_recipe(dir, "bad.toml", "[data]\ntrain = \"x\"\nbatchsize = 3\n[train]\nmax_steps = 1\n");
  auto r = run_command(hone_binary() + " pretrain " + recipe);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_EQ(r.output.rfind("hone: error: ", 0), 0u) << r.output;
  EXPECT_NE(r.output.find("unknown key 'batchsize' in [data]"), std::string::npos) << r.output;
  r = run_command(hone_binary() + " pretrain " + (dir / "missing.toml"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  const std::string good = write_recipe(dir, "good.toml", "[data]\ntrain = \"x\"\n[train]\nmax_steps = 1\n");
  r = run_command(hone_binary() + " pretrain " + good + " --set data.batch_size");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("section.key=value"), std::string::npos) << r.output;
  for (const char* help : {" pretrain --help", " ul2r --help"}) {
    r = run_command(hone_binary() + help);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("--init"), std::string::npos) << r.output;
  }
}

TEST(Ul2rCommand, ArgumentHandling) {
  TrainScratch dir("ul2r");
  testing::write_test_dataset(dir / "data", 22);
  // A base model to continue.
  const std::string base = write_recipe(dir, "base.toml", testing::tiny_recipe(dir / "data", dir / "base"));
  auto r = run_command(hone_binary() + " pretrain " + base + " --set train.max_steps=2");
  ASSERT_EQ(r.exit_code, 0) << r.output;

  const std::string recipe = write_recipe(dir, "ul2r.toml",
                                          "[data]\ntrain = \"" + (dir / "data") +
                                              "\"\nsequence_length = 32\nbatch_size = 4\n[train]\nregistry = \"none\"\nrun_dir = \"" + (dir / "u") + "\"\n");
  // --init is required.
  r = run_command(hone_binary() + " ul2r " + recipe);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--init"), std::string::npos) << r.output;
  // With it, the recipe resolves with the UL2R defaults; this dataset was written without a tokenizer,
  // and the denoisers need one for sentinels and mode tokens.
  r = run_command(hone_binary() + " ul2r --init " + (dir / "base/checkpoint") + " " + recipe);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("names no tokenizer; set [data] tokenizer"), std::string::npos) << r.output;
  // An explicit budget replaces the default flops_fraction; two explicit budgets are an error.
  r = run_command(hone_binary() + " ul2r --init " + (dir / "base/checkpoint") + " " + recipe +
                  " --set train.max_steps=3 --set train.max_tokens=10");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("more than one budget"), std::string::npos) << r.output;
  r = run_command(hone_binary() + " ul2r --init " + (dir / "base/checkpoint") + " " + recipe +
                  " --set objective.name=causal --set train.max_steps=3");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(load_trainer_state(dir / "u/checkpoint").step, 3);
  EXPECT_EQ(load_trainer_state(dir / "u/checkpoint").extra.at("kind"), "ul2r");
}

}  // namespace
}  // namespace hone
