#include "tasks/task_export.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "tasks/generation.h"

namespace hone::tasks {

std::vector<RenderedExample> render_split(const TaskTemplates& task, const std::vector<Example>& examples,
                                          const std::vector<Example>& train, bool is_train,
                                          const ExportOptions& options) {
  const auto n_templates = static_cast<int64_t>(task.templates.size());
  HONE_CHECK(options.template_index < n_templates, task.name, ": template ", options.template_index,
             " does not exist; the task has ", n_templates, " (0 to ", n_templates - 1, ")");
  HONE_CHECK(options.shots >= 0, "--shots must be >= 0");
  const int64_t pool = static_cast<int64_t>(train.size()) - (is_train ? 1 : 0);
  HONE_CHECK(options.shots <= pool, task.name, ": ", options.shots, " shots need that many training examples, but only ",
             pool, " are available");
  RenderOptions render;
  render.chain_of_thought = options.chain_of_thought;
  render.seed = options.seed;
  render.max_input_tokens = options.max_input_tokens;
  render.count_tokens = options.count_tokens;
  std::vector<RenderedExample> out;
  for (size_t i = 0; i < examples.size(); ++i) {
    Draws draws(options.seed, 0x72656e646572ULL + i);  // "render", one stream per example
    RenderedExample rendered;
    rendered.template_index = options.template_index >= 0 ? options.template_index : draws.uniform(0, n_templates - 1);
    const Template& tmpl = task.templates[static_cast<size_t>(rendered.template_index)];
    // Exemplar indices are offset so their option orders differ from the query's.
    const uint64_t query_index = is_train ? i : (1ULL << 40) + i;
    Rendered r;
    if (options.shots == 0) {
      r = render_example(examples[i], query_index, tmpl, render);
    } else {
      std::vector<Example> exemplars;
      std::vector<uint64_t> indices;
      while (static_cast<int64_t>(exemplars.size()) < options.shots) {
        const auto j = static_cast<uint64_t>(draws.uniform(0, static_cast<int64_t>(train.size()) - 1));
        if ((is_train && j == i) || std::find(indices.begin(), indices.end(), j) != indices.end()) continue;
        indices.push_back(j);
        exemplars.push_back(train[j]);
      }
      r = render_few_shot(examples[i], query_index, exemplars, indices, tmpl, render);
    }
    rendered.inputs = std::move(r.inputs);
    rendered.targets = std::move(r.targets);
    rendered.shots = r.shots;
    out.push_back(std::move(rendered));
  }
  return out;
}

std::string rendered_json(const RenderedExample& example, const std::string& task_name) {
  nlohmann::ordered_json json;
  json["inputs"] = example.inputs;
  json["targets"] = example.targets;
  json["task"] = task_name;
  json["template"] = example.template_index;
  json["shots"] = example.shots;
  return json.dump();
}

}  // namespace hone::tasks
