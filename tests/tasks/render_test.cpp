#include "tasks/render.h"

#include <gtest/gtest.h>

#include <set>

#include "core/error.h"

namespace hone::tasks {
namespace {

Example qa(const std::string& question, const std::string& answer, const std::string& rationale = "") {
  Example example;
  example.set("question", question);
  example.target = answer;
  example.rationale = rationale;
  return example;
}

TEST(Render, ZeroShotFillsFieldsAndAnswer) {
  Template tmpl{"Q: {question}\nA:", "{answer}", ""};
  const Rendered r = render_example(qa("What is 2 + 2?", "4"), 0, tmpl, {});
  EXPECT_EQ(r.inputs, "Q: What is 2 + 2?\nA:");
  EXPECT_EQ(r.targets, "4");
  EXPECT_EQ(r.shots, 0);
}

TEST(Render, ChainOfThoughtTarget) {
  Template tmpl{"{question}", "{answer}", ""};
  RenderOptions options;
  options.chain_of_thought = true;
  const Rendered r = render_example(qa("2 + 2 + 1?", "5", "2 + 2 = 4. 4 + 1 = 5."), 0, tmpl, options);
  EXPECT_EQ(r.targets, "2 + 2 = 4. 4 + 1 = 5. So the answer is 5.");
  Template custom{"{question}", "{answer}", "Reasoning: {rationale} Answer: {answer}"};
  EXPECT_EQ(render_example(qa("x", "5", "because"), 0, custom, options).targets, "Reasoning: because Answer: 5");
  EXPECT_THROW(render_example(qa("x", "5"), 0, tmpl, options), Error);  // no rationale
}

TEST(Render, OptionsBlockInSeededOrder) {
  EXPECT_EQ(format_options({"yes", "no", "maybe"}), "OPTIONS:\n- yes\n- no\n- maybe");
  Example example = qa("Is it?", "no");
  example.options = {"yes", "no", "it is not possible to tell"};
  Template tmpl{"{question}\n\n{options}", "{answer}", ""};
  RenderOptions options;
  options.seed = 7;
  const Rendered r = render_example(example, 3, tmpl, options);
  const auto order = shuffled_options(example.options, 7, 3);
  EXPECT_EQ(r.inputs, "Is it?\n\n" + format_options(order));
  EXPECT_EQ(r.targets, "no");
  // Same (seed, index): same order; a permutation of the options; different pairs give different orders.
  EXPECT_EQ(shuffled_options(example.options, 7, 3), order);
  EXPECT_EQ(std::multiset<std::string>(order.begin(), order.end()),
            std::multiset<std::string>(example.options.begin(), example.options.end()));
  std::set<std::vector<std::string>> orders;
  for (uint64_t i = 0; i < 60; ++i) orders.insert(shuffled_options(example.options, 7, i));
  EXPECT_EQ(orders.size(), 6u);  // all 3! orders appear
}

TEST(Render, FewShotSeparators) {
  Template tmpl{"Q: {question}", "{answer}", ""};
  const std::vector<Example> exemplars = {qa("1+1?", "2"), qa("2+3?", "5")};
  const Rendered r = render_few_shot(qa("4+4?", "8"), 9, exemplars, {0, 1}, tmpl, {});
  EXPECT_EQ(r.inputs, "Q: 1+1?\n\n2\n\n\nQ: 2+3?\n\n5\n\n\nQ: 4+4?");
  EXPECT_EQ(r.targets, "8");
  EXPECT_EQ(r.shots, 2);
}

TEST(Render, FewShotChainOfThoughtExemplars) {
  Template tmpl{"{question}", "{answer}", ""};
  RenderOptions options;
  options.chain_of_thought = true;
  const Rendered r = render_few_shot(qa("3*2?", "6", "3*2 = 6."), 1, {qa("1+1?", "2", "1+1 = 2.")}, {0}, tmpl, options);
  EXPECT_EQ(r.inputs, "1+1?\n\n1+1 = 2. So the answer is 2.\n\n\n3*2?");
  EXPECT_EQ(r.targets, "3*2 = 6. So the answer is 6.");
}

TEST(Render, BudgetDropsFarthestExemplarsFirst) {
  Template tmpl{"{question}", "{answer}", ""};
  const std::vector<Example> exemplars = {qa("a b c d", "x"), qa("e f", "y"), qa("g", "z")};
  RenderOptions options;
  // Words: exemplar 0 = 5, exemplar 1 = 3, exemplar 2 = 2, query = 2.
  options.max_input_tokens = 7;
  Rendered r = render_few_shot(qa("h i", "w"), 0, exemplars, {0, 1, 2}, tmpl, options);
  EXPECT_EQ(r.shots, 2);
  EXPECT_EQ(r.inputs, "e f\n\ny\n\n\ng\n\nz\n\n\nh i");
  options.max_input_tokens = 12;
  EXPECT_EQ(render_few_shot(qa("h i", "w"), 0, exemplars, {0, 1, 2}, tmpl, options).shots, 3);
  options.max_input_tokens = 1;  // not even the query fits: it is kept whole, with no exemplars
  r = render_few_shot(qa("h i", "w"), 0, exemplars, {0, 1, 2}, tmpl, options);
  EXPECT_EQ(r.shots, 0);
  EXPECT_EQ(r.inputs, "h i");
  // A caller's tokenizer: here one token per character.
  options.max_input_tokens = 20;
  options.count_tokens = [](const std::string& s) { return static_cast<int64_t>(s.size()); };
  r = render_few_shot(qa("h i", "w"), 0, exemplars, {0, 1, 2}, tmpl, options);
  EXPECT_EQ(r.shots, 2);
  EXPECT_LE(static_cast<int64_t>(r.inputs.size()), 20);
}

TEST(Render, CountWords) {
  EXPECT_EQ(count_words(""), 0);
  EXPECT_EQ(count_words("  one\ttwo\n\nthree "), 3);
}

TEST(Render, TemplateErrorsAndEscapes) {
  Example example = qa("q", "a");
  EXPECT_EQ(fill_template("{{literal}} {question}", example, ""), "{literal} q");
  try {
    fill_template("{missing}", example, "");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'missing'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(fill_template("oops {question", example, ""), Error);
}

}  // namespace
}  // namespace hone::tasks
