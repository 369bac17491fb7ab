#pragma once
// The Flan-style task format: examples (input fields, a target, optional answer options, optional
// rationale) and the instruction templates that turn them into (inputs, targets) text pairs.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace hone::tasks {

struct Example {
  // Named input fields in a fixed order (templates refer to them as {name}).
  std::vector<std::pair<std::string, std::string>> fields;
  std::string target;                 // the answer
  std::vector<std::string> options;   // answer options, canonical order (empty: free-form answer)
  std::string rationale;              // step-by-step reasoning for chain-of-thought (may be empty)
  std::vector<std::string> accepted;  // other answers that also count as correct (evaluation)

  // The value of a field; throws naming the field when it is missing.
  const std::string& field(const std::string& name) const;
  bool has_field(const std::string& name) const;
  void set(const std::string& name, std::string value);
};

struct Template {
  std::string inputs;       // e.g. "{premise}\n\nDoes this mean that \"{hypothesis}\"?\n\n{options}"
  std::string targets = "{answer}";
  std::string cot_targets;  // chain-of-thought target; empty: "{rationale} So the answer is {answer}."
};

// A task as stored in a TOML file: its name, its cluster and its templates. Examples come separately
// (a JSONL file, or a bundled generator).
struct TaskTemplates {
  std::string name;
  std::string cluster;
  std::string description;
  std::string examples_file;  // optional JSONL path, relative to the TOML file
  std::vector<Template> templates;
};

struct Splits {
  std::vector<Example> train, validation, test;
  const std::vector<Example>& get(const std::string& split) const;
};

struct SplitSizes {
  int64_t train = 0, validation = 0, test = 0;
  int64_t total() const { return train + validation + test; }
};

// Parses a task TOML document; `origin` names it in error messages. Unknown keys are errors.
TaskTemplates parse_task_toml(const std::string& text, const std::string& origin);
TaskTemplates load_task_toml(const std::string& path);

// One example per line: {"inputs": {...}, "target": "...", "options": [...], "rationale": "...",
// "accepted": [...]}. Unknown keys are errors; line numbers appear in messages.
Example parse_example_json(const std::string& line, const std::string& origin);
std::string example_json(const Example& example);
std::vector<Example> load_examples_jsonl(const std::string& path);
void save_examples_jsonl(const std::string& path, const std::vector<Example>& examples);

}  // namespace hone::tasks
