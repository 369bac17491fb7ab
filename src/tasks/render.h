#pragma once
// Turns examples into (inputs, targets) text the Flan way: a template fills in the fields; options
// appear as "OPTIONS:\n- a\n- b" in a seeded random order; chain-of-thought targets give the rationale
// and then "So the answer is X."; few-shot prompts put k solved exemplars first, each input joined to
// its target by "\n\n" and exemplars joined by "\n\n\n", dropping exemplars until a token budget fits.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tasks/task.h"

namespace hone::tasks {

inline constexpr const char* kInputTargetSeparator = "\n\n";
inline constexpr const char* kExemplarSeparator = "\n\n\n";

using TokenCounter = std::function<int64_t(const std::string&)>;
// Whitespace-separated words: the default budget unit when no tokenizer is given.
int64_t count_words(const std::string& text);

struct RenderOptions {
  bool chain_of_thought = false;
  uint64_t seed = 0;              // option order (with the example's index)
  int64_t max_input_tokens = 0;   // few-shot budget for the whole input; 0: no limit
  TokenCounter count_tokens = count_words;
};

struct Rendered {
  std::string inputs;
  std::string targets;
  int64_t shots = 0;  // exemplars kept after budget pruning
};

// "OPTIONS:\n- a\n- b" in the order given.
std::string format_options(const std::vector<std::string>& options);
// The options shuffled by (seed, example_index): the same pair always gives the same order.
std::vector<std::string> shuffled_options(const std::vector<std::string>& options, uint64_t seed, uint64_t example_index);

// Fills {field}, {answer}, {options} and {rationale}; "{{" and "}}" are literal braces.
std::string fill_template(const std::string& text, const Example& example, const std::string& options_text);

// One example, zero-shot.
Rendered render_example(const Example& example, uint64_t example_index, const Template& tmpl,
                        const RenderOptions& options);

// One example after up to exemplars.size() solved exemplars (same template, same CoT setting). Exemplars
// are dropped from the front (farthest from the query) until the input fits max_input_tokens.
Rendered render_few_shot(const Example& example, uint64_t example_index, const std::vector<Example>& exemplars,
                         const std::vector<uint64_t>& exemplar_indices, const Template& tmpl,
                         const RenderOptions& options);

}  // namespace hone::tasks
