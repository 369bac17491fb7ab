#pragma once
// The evaluation harness behind `hone eval`: a model on Flan-style tasks, zero-shot and few-shot.
//   rank classification  tasks with answer options (without chain-of-thought): every option's rendered
//                        target (the template's targets text, then EOS) is scored after the prompt;
//                        the prediction is the argmax of the summed log-probabilities (optionally divided
//                        by the option's token count); ties go to the earlier option in canonical order
//   generation           free-form tasks, and every task with chain-of-thought: greedy (or sampled)
//                        continuation until EOS, answer extraction ("So the answer is X."), exact match
//                        after normalisation against the target and the accepted alternatives
//   self-consistency     N sampled chains of thought, majority vote over the extracted answers; a tie
//                        goes to the answer reached first (lowest sample index), so results are reproducible
// Prompts use the task's first template (deterministic, comparable across runs); few-shot exemplars are
// the first k examples of the train split, so the same k gives the same prompt for every model. Inputs
// and targets end with EOS, as in training.
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "eval/sequence_scoring.h"
#include "model/language_model.h"
#include "tokenize/tokenizer.h"

namespace hone::eval {

struct SamplingSettings {
  double temperature = 0.0;  // 0: greedy
  int64_t top_k = 0;         // 0: all tokens
  double top_p = 1.0;
  uint64_t seed = 0;
  int64_t max_new_tokens = 64;
};

// Continues each prompt (token ids) and returns the new tokens, without the EOS that ended it.
using GenerateFunction = std::function<std::vector<std::vector<int32_t>>(
    const std::vector<std::vector<int32_t>>& prompts, const SamplingSettings& settings)>;

struct TaskEvalOptions {
  std::vector<std::string> tasks;  // bundled task names, task .toml paths, or "cluster:NAME"
  std::vector<int64_t> shots = {0};
  bool chain_of_thought = false;
  int64_t self_consistency = 0;      // samples per example (needs chain_of_thought); 0: greedy decoding
  SamplingSettings sampling;         // for generation; self-consistency uses temperature 0.7 if this is 0
  std::string split = "test";        // train | validation | test
  int64_t max_examples = 0;          // per task; 0: the whole split
  bool length_normalized = false;    // rank classification by mean instead of summed log-probability
  int64_t max_prompt_tokens = 0;     // few-shot budget (exemplars dropped from the front); 0: model limit
  int64_t batch_size = 16;
  uint64_t seed = 0;                 // task splits (as the Flan mixture's split_seed) and option order
};

struct ExamplePrediction {
  std::string task;
  int64_t index = 0;  // within the split
  int64_t shots = 0;
  std::string method;  // rank | generate | self_consistency
  std::string prompt, target, prediction;
  bool correct = false;
  std::vector<double> option_scores;  // rank classification, in canonical option order
};

struct TaskResult {
  std::string task, cluster, method;
  int64_t shots = 0;
  int64_t examples = 0;
  int64_t correct = 0;
  double accuracy() const { return examples ? static_cast<double>(correct) / examples : 0.0; }
  double seconds = 0;
  int64_t tokens = 0;  // prompt + scored/generated tokens processed
};

struct TaskEvalReport {
  std::vector<TaskResult> results;  // one per (task, shots)
  std::vector<ExamplePrediction> predictions;
  // Mean accuracy per cluster and shots, unweighted over tasks (Flan's reporting).
  nlohmann::ordered_json summary_json() const;
};

TaskEvalReport evaluate_tasks(const LanguageModel& model, const Tokenizer& tokenizer, const TaskEvalOptions& options,
                              const GenerateFunction& generate);

nlohmann::ordered_json to_json(const ExamplePrediction& prediction);

}  // namespace hone::eval
