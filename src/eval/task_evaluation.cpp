#include "eval/task_evaluation.h"

#include <algorithm>
#include <chrono>
#include <map>

#include "core/error.h"
#include "tasks/answer_extraction.h"
#include "tasks/registry.h"
#include "tasks/render.h"

namespace hone::eval {
namespace {

using tasks::BundledTask;
using tasks::Example;

std::vector<BundledTask> resolve_tasks(const std::vector<std::string>& names) {
  HONE_CHECK(!names.empty(), "eval: no tasks given (names, task .toml files or cluster:NAME)");
  std::vector<BundledTask> out;
  for (const std::string& name : names) {
    if (name.rfind("cluster:", 0) == 0) {
      const std::string cluster = name.substr(8);
      const auto members = tasks::tasks_in_cluster(cluster);
      HONE_CHECK(!members.empty(), "eval: no bundled task is in cluster '", cluster, "'");
      for (const BundledTask* t : members) out.push_back(*t);
    } else {
      out.push_back(tasks::resolve_task(name));
    }
  }
  return out;
}

std::vector<int32_t> with_eos(std::vector<int32_t> ids, int32_t eos) {
  ids.push_back(eos);
  return ids;
}

// The template's targets text for `answer` (what training taught the model to produce for it).
std::string target_text(const Example& example, const tasks::Template& tmpl, const std::string& answer) {
  Example copy = example;
  copy.target = answer;
  return tasks::fill_template(tmpl.targets, copy, "");
}

// Majority vote over extracted, normalised answers; ties go to the answer seen first.
std::string majority_answer(const std::vector<std::string>& generations) {
  std::map<std::string, std::pair<int, size_t>> votes;  // answer -> (count, first index)
  for (size_t i = 0; i < generations.size(); ++i) {
    const std::string answer = tasks::normalize_answer(tasks::extract_answer(generations[i]));
    auto [it, inserted] = votes.try_emplace(answer, 0, i);
    it->second.first++;
  }
  std::string best;
  std::pair<int, size_t> best_vote{-1, 0};
  for (const auto& [answer, vote] : votes) {
    if (vote.first > best_vote.first || (vote.first == best_vote.first && vote.second < best_vote.second)) {
      best = answer;
      best_vote = vote;
    }
  }
  return best;
}

}  // namespace

TaskEvalReport evaluate_tasks(const LanguageModel& model, const Tokenizer& tokenizer, const TaskEvalOptions& options,
                              const GenerateFunction& generate) {
  HONE_CHECK(options.self_consistency >= 0, "eval: --self-consistency must be >= 0");
  HONE_CHECK(options.self_consistency == 0 || options.chain_of_thought,
             "eval: self-consistency votes over chains of thought; add --cot");
  for (int64_t k : options.shots) HONE_CHECK(k >= 0, "eval: shots must be >= 0, got ", k);
  HONE_CHECK(tokenizer.vocab_size() <= model.config().vocab_size, "eval: the tokenizer has ", tokenizer.vocab_size(),
             " ids but the model only ", model.config().vocab_size, "; use the model's own tokenizer");
  const int32_t eos = tokenizer.eos_id();
  int64_t budget = options.max_prompt_tokens;
  if (budget == 0 && model.config().positions() == PositionKind::Learned)
    budget = model.config().max_positions - options.sampling.max_new_tokens;

  TaskEvalReport report;
  for (const BundledTask& task : resolve_tasks(options.tasks)) {
    const tasks::TaskTemplates templates = tasks::task_templates(task);
    HONE_CHECK(!templates.templates.empty(), "task ", task.name, " has no templates");
    const tasks::Template& tmpl = templates.templates.front();
    const tasks::Splits splits = tasks::generate_splits(task, task.default_sizes, options.seed);
    const std::vector<Example>& examples = splits.get(options.split);
    const size_t count = options.max_examples > 0 ? std::min<size_t>(examples.size(), options.max_examples)
                                                  : examples.size();
    const bool has_options = !examples.empty() && !examples.front().options.empty();
    for (int64_t shots : options.shots) {
      HONE_CHECK(shots == 0 || static_cast<int64_t>(splits.train.size()) >= shots, "task ", task.name, " has ",
                 splits.train.size(), " training examples, fewer than ", shots, " shots");
      const std::vector<Example> exemplars(splits.train.begin(), splits.train.begin() + shots);
      std::vector<uint64_t> exemplar_indices(shots);
      for (int64_t i = 0; i < shots; ++i) exemplar_indices[i] = static_cast<uint64_t>(i);
      tasks::RenderOptions render;
      render.chain_of_thought = options.chain_of_thought;
      render.seed = options.seed;
      render.max_input_tokens = budget;
      render.count_tokens = [&](const std::string& text) { return static_cast<int64_t>(tokenizer.encode(text).size()) + 1; };

      TaskResult result;
      result.task = task.name;
      result.cluster = task.cluster;
      result.shots = shots;
      result.method = has_options && !options.chain_of_thought ? "rank"
                      : options.self_consistency > 0           ? "self_consistency"
                                                               : "generate";
      const auto start = std::chrono::steady_clock::now();
      std::vector<ExamplePrediction> predictions(count);
      std::vector<std::vector<int32_t>> prompts(count);
      for (size_t i = 0; i < count; ++i) {
        const tasks::Rendered r = shots == 0 ? tasks::render_example(examples[i], i, tmpl, render)
                                             : tasks::render_few_shot(examples[i], i, exemplars, exemplar_indices, tmpl, render);
        ExamplePrediction& p = predictions[i];
        p.task = task.name;
        p.index = static_cast<int64_t>(i);
        p.shots = r.shots;
        p.method = result.method;
        p.prompt = r.inputs;
        p.target = examples[i].target;
        prompts[i] = model_prompt(model, with_eos(tokenizer.encode(r.inputs), eos));
        result.tokens += static_cast<int64_t>(prompts[i].size());
      }

      if (result.method == "rank") {
        std::vector<ScoringRequest> requests;
        for (size_t i = 0; i < count; ++i)
          for (const std::string& option : examples[i].options)
            requests.push_back({prompts[i], with_eos(tokenizer.encode(target_text(examples[i], tmpl, option)), eos)});
        const std::vector<ContinuationScore> scores = score_continuations(model, requests, {options.batch_size});
        size_t next = 0;
        for (size_t i = 0; i < count; ++i) {
          ExamplePrediction& p = predictions[i];
          const std::vector<std::string>& choices = examples[i].options;
          size_t best = 0;
          for (size_t o = 0; o < choices.size(); ++o, ++next) {
            const ContinuationScore& s = scores[next];
            result.tokens += s.tokens;
            p.option_scores.push_back(options.length_normalized ? s.log_prob / s.tokens : s.log_prob);
            if (p.option_scores[o] > p.option_scores[best]) best = o;
          }
          p.prediction = choices[best];
          p.correct = tasks::normalize_answer(p.prediction) == tasks::normalize_answer(p.target);
        }
      } else {
        HONE_CHECK(static_cast<bool>(generate), "eval: task ", task.name, " needs generation, which is not available");
        SamplingSettings sampling = options.sampling;
        const int64_t samples = std::max<int64_t>(1, options.self_consistency);
        if (options.self_consistency > 0 && sampling.temperature == 0) sampling.temperature = 0.7;
        std::vector<std::vector<std::string>> generations(count);
        for (int64_t s = 0; s < samples; ++s) {
          sampling.seed = options.sampling.seed + static_cast<uint64_t>(s);
          const auto outputs = generate(prompts, sampling);
          HONE_CHECK(outputs.size() == count, "eval: the generator returned ", outputs.size(), " outputs for ", count,
                     " prompts");
          for (size_t i = 0; i < count; ++i) {
            result.tokens += static_cast<int64_t>(outputs[i].size());
            generations[i].push_back(tokenizer.decode(outputs[i]));
          }
        }
        for (size_t i = 0; i < count; ++i) {
          ExamplePrediction& p = predictions[i];
          if (options.self_consistency > 0) {
            p.prediction = majority_answer(generations[i]);
          } else {
            p.prediction = generations[i].front();
          }
          p.correct = tasks::answer_matches(p.prediction, p.target, examples[i].accepted);
        }
      }
      for (const ExamplePrediction& p : predictions) result.correct += p.correct;
      result.examples = static_cast<int64_t>(count);
      result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      report.results.push_back(result);
      report.predictions.insert(report.predictions.end(), predictions.begin(), predictions.end());
    }
  }
  return report;
}

nlohmann::ordered_json TaskEvalReport::summary_json() const {
  nlohmann::ordered_json tasks_json = nlohmann::ordered_json::array();
  std::map<std::pair<std::string, int64_t>, std::pair<double, int>> clusters;
  for (const TaskResult& r : results) {
    tasks_json.push_back({{"task", r.task},
                          {"cluster", r.cluster},
                          {"shots", r.shots},
                          {"method", r.method},
                          {"examples", r.examples},
                          {"correct", r.correct},
                          {"accuracy", r.accuracy()},
                          {"seconds", r.seconds},
                          {"tokens_per_second", r.seconds > 0 ? r.tokens / r.seconds : 0.0}});
    auto& c = clusters[{r.cluster, r.shots}];
    c.first += r.accuracy();
    c.second += 1;
  }
  nlohmann::ordered_json clusters_json = nlohmann::ordered_json::array();
  for (const auto& [key, value] : clusters)
    clusters_json.push_back({{"cluster", key.first}, {"shots", key.second}, {"accuracy", value.first / value.second},
                             {"tasks", value.second}});
  return {{"tasks", tasks_json}, {"clusters", clusters_json}};
}

nlohmann::ordered_json to_json(const ExamplePrediction& p) {
  nlohmann::ordered_json j = {{"task", p.task},     {"index", p.index},   {"shots", p.shots},
                              {"method", p.method}, {"prompt", p.prompt}, {"target", p.target},
                              {"prediction", p.prediction}, {"correct", p.correct}};
  if (!p.option_scores.empty()) j["option_scores"] = p.option_scores;
  return j;
}

}  // namespace hone::eval
