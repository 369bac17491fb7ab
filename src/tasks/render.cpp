#include "tasks/render.h"

#include <algorithm>

#include "core/error.h"
#include "core/rng.h"

namespace hone::tasks {

int64_t count_words(const std::string& text) {
  int64_t words = 0;
  bool in_word = false;
  for (char c : text) {
    const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

std::string format_options(const std::vector<std::string>& options) {
  std::string out = "OPTIONS:";
  for (const auto& option : options) out += "\n- " + option;
  return out;
}

std::vector<std::string> shuffled_options(const std::vector<std::string>& options, uint64_t seed,
                                          uint64_t example_index) {
  std::vector<std::string> out = options;
  // Fisher-Yates on counter-based draws: independent of everything but (seed, example_index).
  constexpr uint64_t kOptionStream = 0x6f7074696f6e73ULL;  // "options"
  for (size_t i = out.size(); i > 1; --i) {
    const uint64_t draw = random_u32(seed ^ kOptionStream, example_index, i);
    std::swap(out[i - 1], out[draw % i]);
  }
  return out;
}

std::string fill_template(const std::string& text, const Example& example, const std::string& options_text) {
  std::string out;
  out.reserve(text.size() + 64);
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
      out += c;
      ++i;
      continue;
    }
    if (c != '{') {
      out += c;
      continue;
    }
    const size_t close = text.find('}', i);
    HONE_CHECK(close != std::string::npos, "template has an unclosed '{' at offset ", i, ": \"", text,
               "\" (write {{ for a literal brace)");
    const std::string name = text.substr(i + 1, close - i - 1);
    if (name == "answer") {
      out += example.target;
    } else if (name == "options") {
      out += options_text;
    } else if (name == "rationale") {
      out += example.rationale;
    } else {
      out += example.field(name);
    }
    i = close;
  }
  return out;
}

namespace {

constexpr const char* kDefaultCotTargets = "{rationale} So the answer is {answer}.";

std::pair<std::string, std::string> render_pair(const Example& example, uint64_t example_index, const Template& tmpl,
                                                 const RenderOptions& options) {
  const std::string options_text =
      example.options.empty() ? "" : format_options(shuffled_options(example.options, options.seed, example_index));
  std::string inputs = fill_template(tmpl.inputs, example, options_text);
  std::string targets;
  if (options.chain_of_thought) {
    HONE_CHECK(!example.rationale.empty(), "chain-of-thought rendering needs a rationale, but the example with target '",
               example.target, "' has none: render it without --cot");
    targets = fill_template(tmpl.cot_targets.empty() ? kDefaultCotTargets : tmpl.cot_targets, example, options_text);
  } else {
    targets = fill_template(tmpl.targets, example, options_text);
  }
  return {std::move(inputs), std::move(targets)};
}

}  // namespace

Rendered render_example(const Example& example, uint64_t example_index, const Template& tmpl,
                        const RenderOptions& options) {
  auto [inputs, targets] = render_pair(example, example_index, tmpl, options);
  return Rendered{std::move(inputs), std::move(targets), 0};
}

Rendered render_few_shot(const Example& example, uint64_t example_index, const std::vector<Example>& exemplars,
                         const std::vector<uint64_t>& exemplar_indices, const Template& tmpl,
                         const RenderOptions& options) {
  HONE_CHECK(exemplar_indices.size() == exemplars.size(), "render_few_shot: ", exemplars.size(), " exemplars but ",
             exemplar_indices.size(), " indices");
  const auto query = render_pair(example, example_index, tmpl, options);
  std::vector<std::string> solved;
  for (size_t i = 0; i < exemplars.size(); ++i) {
    const auto pair = render_pair(exemplars[i], exemplar_indices[i], tmpl, options);
    solved.push_back(pair.first + kInputTargetSeparator + pair.second);
  }
  const auto join = [&](size_t first) {
    std::string out;
    for (size_t i = first; i < solved.size(); ++i) out += solved[i] + kExemplarSeparator;
    return out + query.first;
  };
  size_t first = 0;
  std::string inputs = join(first);
  if (options.max_input_tokens > 0) {
    // Drop whole exemplars, farthest from the query first; the query itself is never cut.
    while (first < solved.size() && options.count_tokens(inputs) > options.max_input_tokens) inputs = join(++first);
  }
  return Rendered{std::move(inputs), query.second, static_cast<int64_t>(solved.size() - first)};
}

}  // namespace hone::tasks
