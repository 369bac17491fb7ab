// The harness end to end: a model finetuned (hone flan) to memorise a small task scores 100% on it by
// rank classification, while the same model untrained scores near chance.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "eval/task_evaluation.h"
#include "tasks/task.h"
#include "tokenize/tokenizer_training.h"
#include "train/recipe.h"
#include "train/trainer.h"

namespace hone::eval {
namespace {

namespace fs = std::filesystem;

TEST(Memorisation, AFinetunedModelScoresFullMarksAndAnUntrainedOneNearChance) {
  const fs::path root = fs::temp_directory_path() / ("hone_memorise_" + std::to_string(::getpid()));
  fs::create_directories(root);
  TokenizerTrainingOptions tok;
  tok.inputs = {"/usr/share/common-licenses/GPL-3"};
  tok.vocab_size = 700;
  tok.t5_conventions = true;
  tok.threads = 1;
  tok.out_dir = (root / "tok").string();
  train_tokenizer(tok);

  // 20 examples with labels unrelated to the text (a hash), so only memorising can score well.
  const char* things[] = {"software", "license", "freedom", "program", "source", "copy",     "patent",
                          "author",   "notice",  "warranty", "work",   "code",   "recipient", "contract",
                          "modify",   "convey",  "object",  "library", "network", "user"};
  {
    std::ofstream examples(root / "memo.jsonl");
    for (int i = 0; i < 20; ++i) {
      const bool yes = ((i * 2654435761u) >> 7) & 1;
      tasks::Example e;
      e.fields = {{"thing", things[i]}};
      e.options = {"yes", "no"};
      e.target = yes ? "yes" : "no";
      examples << tasks::example_json(e) << "\n";
    }
    std::ofstream(root / "memo.toml") << "name = \"memo\"\ncluster = \"memo\"\nexamples = \"memo.jsonl\"\n"
                                         "[[templates]]\ninputs = \"Is the {thing} good?\\n\\n{options}\"\n";
  }
  const std::string task = (root / "memo.toml").string();
  const std::string recipe_text =
      "[model]\npreset = \"llama-tiny\"\nvocab_size = 700\nmax_positions = 128\n"
      "[data]\ntokenizer = \"" + tok.out_dir + "\"\nsequence_length = 64\nbatch_size = 8\n"
      "[objective]\nname = \"flan\"\n"
      "[flan]\ntasks = [\"" + task + "\"]\nzero_shot = 1.0\nfew_shot = 0.0\nchain_of_thought = 0.0\n"
      "[schedule]\nkind = \"constant\"\npeak_lr = 3e-3\nwarmup_steps = 10\n"
      "[train]\nmax_steps = 600\neval_every = 0\ncheckpoint_every = 0\nregistry = \"none\"\nthreads = 1\n"
      "run_dir = \"" + (root / "run").string() + "\"\n";
  TrainerOptions trainer_options;
  trainer_options.kind = "flan";
  Trainer trainer(parse_recipe(recipe_text, "memo.toml"), trainer_options);
  const TrainResult trained = trainer.run();
  EXPECT_LT(trained.final_loss, 0.1);

  const Tokenizer tokenizer = Tokenizer::load(tok.out_dir);
  TaskEvalOptions options;
  options.tasks = {task};
  options.split = "train";
  const TaskEvalReport after = evaluate_tasks(trainer.model(), tokenizer, options, nullptr);
  ASSERT_EQ(after.results.size(), 1u);
  EXPECT_EQ(after.results[0].method, "rank");
  EXPECT_EQ(after.results[0].examples, 16);
  EXPECT_EQ(after.results[0].correct, 16);

  LanguageModel untrained(trainer.model().config());
  untrained.initialize(99);
  const TaskEvalReport before = evaluate_tasks(untrained, tokenizer, options, nullptr);
  EXPECT_GE(before.results[0].accuracy(), 0.15);
  EXPECT_LE(before.results[0].accuracy(), 0.85);
  std::printf("[          ] memorised task: %.0f%% after finetuning, %.0f%% untrained\n",
              100 * after.results[0].accuracy(), 100 * before.results[0].accuracy());
  fs::remove_all(root);
}

}  // namespace
}  // namespace hone::eval
