// The evaluation harness: rank classification picks the option with the highest summed log-likelihood,
// generation is scored by answer extraction, self-consistency votes with a reproducible tie-break, and
// the summary aggregates per task and cluster.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "eval/task_evaluation.h"
#include "tasks/registry.h"
#include "tasks/render.h"
#include "tokenize/tokenizer_training.h"

namespace hone::eval {
namespace {

namespace fs = std::filesystem;

// A small T5-convention tokenizer trained on the rendered navigate and arithmetic tasks.
const Tokenizer& task_tokenizer() {
  static const Tokenizer tokenizer = [] {
    const fs::path dir = fs::temp_directory_path() / ("hone_eval_tok_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    {
      std::ofstream text(dir / "corpus.txt");
      for (const char* name : {"navigate", "modular_arithmetic"}) {
        const auto& task = tasks::find_task(name);
        const auto templates = tasks::task_templates(task);
        const auto splits = tasks::generate_splits(task, {200, 20, 50}, 0);
        for (size_t i = 0; i < splits.train.size(); ++i) {
          const auto r = tasks::render_example(splits.train[i], i, templates.templates[0], {});
          text << r.inputs << "\n" << r.targets << " " << splits.train[i].rationale << "\n\n";
        }
      }
    }
    TokenizerTrainingOptions o;
    o.inputs = {(dir / "corpus.txt").string()};
    o.vocab_size = 400;
    o.t5_conventions = true;
    o.out_dir = (dir / "tok").string();
    train_tokenizer(o);
    Tokenizer t = Tokenizer::load(o.out_dir);
    fs::remove_all(dir);
    return t;
  }();
  return tokenizer;
}

ModelConfig tiny_llama(int64_t vocab) {
  ModelConfig c = style_defaults(ModelStyle::Llama);
  c.vocab_size = vocab;
  c.d_model = 32;
  c.n_heads = 4;
  c.n_kv_heads = 2;
  c.d_kv = 8;
  c.d_ff = 64;
  c.n_decoder_layers = 2;
  c.max_positions = 512;
  return c;
}

TEST(TaskEvaluation, RankClassificationPicksTheHighestSummedLogLikelihood) {
  const Tokenizer& tokenizer = task_tokenizer();
  LanguageModel model(tiny_llama(tokenizer.vocab_size()));
  model.initialize(11);
  TaskEvalOptions o;
  o.tasks = {"navigate"};
  o.shots = {0, 2};
  o.max_examples = 8;
  const TaskEvalReport report = evaluate_tasks(model, tokenizer, o, nullptr);
  ASSERT_EQ(report.results.size(), 2u);
  ASSERT_EQ(report.predictions.size(), 16u);
  for (const TaskResult& r : report.results) {
    EXPECT_EQ(r.method, "rank");
    EXPECT_EQ(r.examples, 8);
  }
  const auto& test = tasks::generate_splits(tasks::find_task("navigate"), tasks::find_task("navigate").default_sizes, 0).test;
  const auto templates = tasks::task_templates(tasks::find_task("navigate"));
  int64_t correct = 0;
  for (const ExamplePrediction& p : report.predictions) {
    const auto& example = test[p.index];
    ASSERT_EQ(p.option_scores.size(), example.options.size());
    // Recompute each option's score independently from the prompt text and the option's target text.
    std::vector<int32_t> prompt = tokenizer.encode(p.prompt);
    prompt.push_back(tokenizer.eos_id());
    size_t best = 0;
    std::vector<double> expected;
    for (size_t o2 = 0; o2 < example.options.size(); ++o2) {
      std::vector<int32_t> target = tokenizer.encode(example.options[o2]);  // navigate's targets are "{answer}"
      target.push_back(tokenizer.eos_id());
      expected.push_back(score_continuations(model, {{prompt, target}})[0].log_prob);
      EXPECT_NEAR(p.option_scores[o2], expected[o2], 1e-6);
      if (expected[o2] > expected[best]) best = o2;
    }
    EXPECT_EQ(p.prediction, example.options[best]);
    EXPECT_EQ(p.correct, p.prediction == example.target);
    correct += p.correct;
    if (p.shots == 2) {
      EXPECT_NE(p.prompt.find(tasks::kExemplarSeparator), std::string::npos);
    }
  }
  EXPECT_EQ(report.results[0].correct + report.results[1].correct, correct);
  const auto summary = report.summary_json();
  EXPECT_EQ(summary["tasks"].size(), 2u);
  EXPECT_EQ(summary["clusters"][0]["cluster"], "state_tracking");
}

TEST(TaskEvaluation, GenerationIsScoredByAnswerExtraction) {
  const Tokenizer& tokenizer = task_tokenizer();
  LanguageModel model(tiny_llama(tokenizer.vocab_size()));
  model.initialize(12);
  const auto& test = tasks::generate_splits(tasks::find_task("modular_arithmetic"),
                                            tasks::find_task("modular_arithmetic").default_sizes, 0).test;
  // A generator that answers the even-indexed prompts correctly, in chain-of-thought form.
  GenerateFunction oracle = [&](const std::vector<std::vector<int32_t>>& prompts, const SamplingSettings&) {
    std::vector<std::vector<int32_t>> out;
    for (size_t i = 0; i < prompts.size(); ++i)
      out.push_back(tokenizer.encode("Some reasoning. So the answer is " + (i % 2 == 0 ? test[i].target : std::string("-1")) + "."));
    return out;
  };
  TaskEvalOptions o;
  o.tasks = {"modular_arithmetic"};
  o.max_examples = 10;
  o.chain_of_thought = true;
  const TaskEvalReport report = evaluate_tasks(model, tokenizer, o, oracle);
  ASSERT_EQ(report.results.size(), 1u);
  EXPECT_EQ(report.results[0].method, "generate");
  EXPECT_EQ(report.results[0].correct, 5);
  EXPECT_DOUBLE_EQ(report.results[0].accuracy(), 0.5);
}

TEST(TaskEvaluation, SelfConsistencyVotesAndBreaksTiesByFirstSample) {
  const Tokenizer& tokenizer = task_tokenizer();
  LanguageModel model(tiny_llama(tokenizer.vocab_size()));
  model.initialize(13);
  const auto& test = tasks::generate_splits(tasks::find_task("modular_arithmetic"),
                                            tasks::find_task("modular_arithmetic").default_sizes, 0).test;
  // Sample s answers: example 0 gets right, wrong, right (majority right); example 1 gets wrong, right
  // (a tie: the first sample, wrong, wins); the sampler is asked with distinct seeds.
  std::vector<uint64_t> seeds;
  GenerateFunction sampler = [&](const std::vector<std::vector<int32_t>>& prompts, const SamplingSettings& s) {
    seeds.push_back(s.seed);
    EXPECT_GT(s.temperature, 0.0);
    std::vector<std::vector<int32_t>> out;
    const size_t sample = seeds.size() - 1;
    for (size_t i = 0; i < prompts.size(); ++i) {
      bool right = i == 0 ? sample != 1 : sample == 1;
      out.push_back(tokenizer.encode("So the answer is " + (right ? test[i].target : std::string("12345")) + "."));
    }
    return out;
  };
  TaskEvalOptions o;
  o.tasks = {"modular_arithmetic"};
  o.max_examples = 2;
  o.chain_of_thought = true;
  o.self_consistency = 3;
  TaskEvalReport report = evaluate_tasks(model, tokenizer, o, sampler);
  EXPECT_EQ(seeds, (std::vector<uint64_t>{0, 1, 2}));
  EXPECT_TRUE(report.predictions[0].correct);
  EXPECT_FALSE(report.predictions[1].correct);  // wrong, right, wrong
  EXPECT_EQ(report.results[0].method, "self_consistency");

  o.chain_of_thought = false;
  EXPECT_THROW(evaluate_tasks(model, tokenizer, o, sampler), Error);
}

TEST(TaskEvaluation, BadTaskNamesAndClusters) {
  const Tokenizer& tokenizer = task_tokenizer();
  LanguageModel model(tiny_llama(tokenizer.vocab_size()));
  TaskEvalOptions o;
  o.tasks = {"no_such_task"};
  EXPECT_THROW(evaluate_tasks(model, tokenizer, o, nullptr), Error);
  o.tasks = {"cluster:nothing"};
  EXPECT_THROW(evaluate_tasks(model, tokenizer, o, nullptr), Error);
  o.tasks = {"cluster:logic"};
  o.max_examples = 2;
  EXPECT_EQ(evaluate_tasks(model, tokenizer, o, nullptr).results.size(), 1u);  // boolean_expressions
}

}  // namespace
}  // namespace hone::eval
