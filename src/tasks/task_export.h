#pragma once
// Renders a whole split of a task into (inputs, targets) pairs, choosing a template per example (or a
// fixed one) and few-shot exemplars from the training split, all from a seed.
#include <cstdint>
#include <string>
#include <vector>

#include "tasks/render.h"
#include "tasks/task.h"

namespace hone::tasks {

struct ExportOptions {
  int64_t shots = 0;
  bool chain_of_thought = false;
  int64_t template_index = -1;  // -1: a seeded random template per example
  uint64_t seed = 0;
  int64_t max_input_tokens = 0;
  TokenCounter count_tokens = count_words;
};

struct RenderedExample {
  std::string inputs, targets;
  int64_t template_index = 0;
  int64_t shots = 0;
};

// `examples` are the split to render; `train` supplies exemplars (when examples is the training split
// itself, an example never serves as its own exemplar: pass the same vector and is_train = true).
std::vector<RenderedExample> render_split(const TaskTemplates& task, const std::vector<Example>& examples,
                                          const std::vector<Example>& train, bool is_train,
                                          const ExportOptions& options);

std::string rendered_json(const RenderedExample& example, const std::string& task_name);

}  // namespace hone::tasks
