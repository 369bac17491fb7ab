// The synthetic generators: every answer recomputed here by independent code, plus split sizes,
// disjointness, determinism and label balance.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "tasks/generation.h"
#include "tasks/reasoning_tasks.h"
#include "tasks/registry.h"

namespace hone::tasks {
namespace {

const SplitSizes kSizes{300, 50, 100};

std::vector<Example> all_of(const Splits& s) {
  std::vector<Example> all = s.train;
  all.insert(all.end(), s.validation.begin(), s.validation.end());
  all.insert(all.end(), s.test.begin(), s.test.end());
  return all;
}

std::vector<std::string> words_of(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

TEST(SyntheticTasks, SplitsHaveStatedSizesAreDisjointAndDeterministic) {
  for (const auto& task : bundled_tasks()) {
    if (!task.data.empty()) continue;
    SCOPED_TRACE(task.name);
    const Splits a = generate_splits(task, kSizes, 11);
    EXPECT_EQ(a.train.size(), 300u);
    EXPECT_EQ(a.validation.size(), 50u);
    EXPECT_EQ(a.test.size(), 100u);
    std::set<std::string> keys;
    for (const auto& e : all_of(a)) keys.insert(input_key(e));
    EXPECT_EQ(keys.size(), 450u) << "splits overlap or repeat inputs";
    const Splits b = generate_splits(task, kSizes, 11);
    const Splits c = generate_splits(task, kSizes, 12);
    size_t same_as_other_seed = 0;
    for (size_t i = 0; i < a.test.size(); ++i) {
      EXPECT_EQ(example_json(a.test[i]), example_json(b.test[i]));
      same_as_other_seed += example_json(a.test[i]) == example_json(c.test[i]);
    }
    EXPECT_LT(same_as_other_seed, 10u);
    for (const auto& e : all_of(a)) {
      EXPECT_FALSE(e.rationale.empty());
      EXPECT_FALSE(e.target.empty());
      if (!e.options.empty()) {
        EXPECT_NE(std::find(e.options.begin(), e.options.end(), e.target), e.options.end());
      }
    }
    // The templates parse and render every example.
    EXPECT_GE(task_templates(task).templates.size(), 2u);
  }
}

// ---- boolean expressions: a recursive-descent evaluator with Python precedence ----
struct BoolParser {
  std::vector<std::string> tokens;
  size_t at = 0;
  bool expr() {
    bool v = term();
    while (at < tokens.size() && tokens[at] == "or") ++at, v = term() || v;
    return v;
  }
  bool term() {
    bool v = factor();
    while (at < tokens.size() && tokens[at] == "and") ++at, v = factor() && v;
    return v;
  }
  bool factor() {
    const std::string t = tokens.at(at++);
    if (t == "not") return !factor();
    if (t == "True") return true;
    if (t == "False") return false;
    EXPECT_EQ(t, "(");
    const bool v = expr();
    EXPECT_EQ(tokens.at(at++), ")");
    return v;
  }
};

TEST(SyntheticTasks, BooleanExpressionsEvaluateAndBalance) {
  const Splits s = generate_splits(find_task("boolean_expressions"), kSizes, 3);
  int trues = 0;
  for (const auto& e : all_of(s)) {
    BoolParser p{words_of(e.field("expression"))};
    const bool value = p.expr();
    EXPECT_EQ(p.at, p.tokens.size()) << e.field("expression");
    EXPECT_EQ(e.target, value ? "True" : "False") << e.field("expression");
    trues += value;
  }
  EXPECT_EQ(trues, 225);
}

// ---- navigate: simulate the instruction text ----
bool returns_to_start(const std::string& text, int* moves) {
  const bool forward_only = text.rfind("Always face forward.", 0) == 0;
  std::vector<std::string> sentences;
  std::string current;
  for (char c : text) {
    if (c == '.') {
      sentences.push_back(current);
      current.clear();
    } else if (!(c == ' ' && current.empty())) {
      current += c;
    }
  }
  long x = 0, y = 0;
  int dir = 0;  // north, east, south, west
  const int dx[4] = {0, 1, 0, -1}, dy[4] = {1, 0, -1, 0};
  *moves = 0;
  for (const auto& s : sentences) {
    if (s == "Always face forward") continue;
    ++*moves;
    if (s == "Turn left") dir = (dir + 3) % 4;
    else if (s == "Turn right") dir = (dir + 1) % 4;
    else if (s == "Turn around") dir = (dir + 2) % 4;
    else {
      const auto w = words_of(s);
      EXPECT_EQ(w[0], "Take");
      const long n = std::stol(w[1]);
      int d = dir;
      if (w.size() == 4) {
        EXPECT_TRUE(forward_only) << text;
        d = w[3] == "forward" ? 0 : w[3] == "right" ? 1 : w[3] == "backward" ? 2 : 3;
      }
      x += dx[d] * n;
      y += dy[d] * n;
    }
  }
  return x == 0 && y == 0;
}

TEST(SyntheticTasks, NavigateAnswersAndBalance) {
  for (const char* name : {"navigate", "navigate_face_forward"}) {
    SCOPED_TRACE(name);
    const Splits s = generate_splits(find_task(name), kSizes, 5);
    int yes = 0;
    for (const auto& e : all_of(s)) {
      int moves = 0;
      const bool back = returns_to_start(e.field("instructions"), &moves);
      EXPECT_EQ(e.target, back ? "Yes" : "No") << e.field("instructions");
      EXPECT_GE(moves, 3);
      EXPECT_LE(moves, 8);
      EXPECT_EQ(std::string(name) == "navigate_face_forward",
                e.field("instructions").rfind("Always face forward.", 0) == 0);
      yes += back;
    }
    EXPECT_EQ(yes, 225);
  }
}

// ---- arithmetic word problems: evaluate the stored equation, check it matches the story ----
long eval_arith(const std::string& s, size_t& at) {
  while (s[at] == ' ') ++at;
  if (s[at] == '(') {
    ++at;
    long left = eval_arith(s, at);
    while (s[at] == ' ') ++at;
    const char op = s[at++];
    const long right = eval_arith(s, at);
    while (s[at] == ' ') ++at;
    EXPECT_EQ(s[at], ')');
    ++at;
    if (op == '/') {
      EXPECT_EQ(left % right, 0) << s;
    }
    return op == '+' ? left + right : op == '-' ? left - right : op == '*' ? left * right : left / right;
  }
  size_t used = 0;
  const long v = std::stol(s.substr(at), &used);
  at += used;
  return v;
}

TEST(SyntheticTasks, ArithmeticWordProblems) {
  const Splits s = generate_splits(find_task("arithmetic_word_problems"), kSizes, 8);
  for (const auto& e : all_of(s)) {
    size_t at = 0;
    const std::string& equation = e.field("equation");
    EXPECT_EQ(e.target, std::to_string(eval_arith(equation, at))) << equation;
    const long steps = std::count(equation.begin(), equation.end(), '(');
    EXPECT_GE(steps, 2);
    EXPECT_LE(steps, 3);
    // The first number of the equation is the story's starting amount.
    std::string digits;
    for (char c : equation)
      if (isdigit(c)) digits += c;
      else if (!digits.empty()) break;
    EXPECT_NE(e.field("question").find(" has " + digits + " "), std::string::npos) << e.field("question");
    EXPECT_NE(e.rationale.find("= " + e.target + "."), std::string::npos);
  }
}

TEST(SyntheticTasks, ObjectCounting) {
  std::map<std::string, std::string> category;
  for (const auto& o : countable_objects()) category[o.singular] = category[o.plural] = o.category;
  const std::map<std::string, int> numbers = {{"a", 1}, {"an", 1}, {"two", 2}, {"three", 3}, {"four", 4}};
  const Splits s = generate_splits(find_task("object_counting"), kSizes, 2);
  for (const auto& e : all_of(s)) {
    const std::string& q = e.field("question");
    const auto how = q.find(". How many ");
    ASSERT_NE(how, std::string::npos);
    const std::string asked = q.substr(how + 11, q.find(" do I have?") - how - 11);
    std::string list = q.substr(7, how - 7);  // after "I have "
    int total = 0;
    size_t start = 0;
    while (start < list.size()) {
      size_t end = list.find(", ", start);
      std::string item = list.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (item.rfind("and ", 0) == 0) item = item.substr(4);
      const auto space = item.find(' ');
      const int quantity = numbers.at(item.substr(0, space));
      const std::string name = item.substr(space + 1);
      ASSERT_TRUE(category.count(name)) << name;
      if (category[name] == asked) total += quantity;
      start = end == std::string::npos ? list.size() : end + 2;
    }
    EXPECT_EQ(e.target, std::to_string(total)) << q;
  }
}

TEST(SyntheticTasks, WordSorting) {
  const Splits s = generate_splits(find_task("word_sorting"), kSizes, 4);
  for (const auto& e : all_of(s)) {
    auto words = words_of(e.field("words"));
    EXPECT_GE(words.size(), 3u);
    std::sort(words.begin(), words.end());
    std::string expected;
    for (const auto& w : words) expected += (expected.empty() ? "" : " ") + w;
    EXPECT_EQ(e.target, expected);
  }
}

TEST(SyntheticTasks, DateArithmeticAgreesWithStdChrono) {
  using namespace std::chrono;
  const Splits s = generate_splits(find_task("date_arithmetic"), kSizes, 6);
  for (const auto& e : all_of(s)) {
    unsigned m = 0, d = 0;
    int y = 0;
    ASSERT_EQ(std::sscanf(e.field("today").c_str(), "%u/%u/%d", &m, &d, &y), 3);
    const year_month_day today{year{y}, month{m}, day{d}};
    ASSERT_TRUE(today.ok()) << e.field("today");
    const auto w = words_of(e.field("offset"));
    long amount = std::stol(w[0]);
    if (w[1].rfind("week", 0) == 0) amount *= 7;
    if (w[2] == "ago") amount = -amount;
    const year_month_day answer{sys_days{today} + days{amount}};
    char text[16];
    std::snprintf(text, sizeof(text), "%02u/%02u/%04d", static_cast<unsigned>(answer.month()),
                  static_cast<unsigned>(answer.day()), static_cast<int>(answer.year()));
    EXPECT_EQ(e.target, text) << e.field("today") << " " << e.field("offset");
  }
}

TEST(SyntheticTasks, DyckCompletionClosesEverythingMinimally) {
  const std::string opens = "([{<", closes = ")]}>";
  const Splits s = generate_splits(find_task("dyck_languages"), kSizes, 9);
  for (const auto& e : all_of(s)) {
    std::vector<char> stack;
    bool valid = true;
    for (const auto& t : words_of(e.field("sequence"))) {
      if (opens.find(t[0]) != std::string::npos) stack.push_back(t[0]);
      else if (stack.empty() || closes.find(t[0]) != opens.find(stack.back())) valid = false;
      else stack.pop_back();
    }
    EXPECT_TRUE(valid) << e.field("sequence");
    ASSERT_FALSE(stack.empty());
    const auto completion = words_of(e.target);
    EXPECT_EQ(completion.size(), stack.size());
    for (const auto& t : completion) {
      ASSERT_FALSE(stack.empty());
      EXPECT_EQ(closes.find(t[0]), opens.find(stack.back())) << e.field("sequence") << " | " << e.target;
      stack.pop_back();
    }
  }
}

TEST(SyntheticTasks, ModularArithmetic) {
  const Splits s = generate_splits(find_task("modular_arithmetic"), kSizes, 10);
  for (const auto& e : all_of(s)) {
    long a = 0, b = 0, m = 0;
    char op = 0;
    ASSERT_EQ(std::sscanf(e.field("expression").c_str(), "(%ld %c %ld) mod %ld", &a, &op, &b, &m), 4);
    long v = op == '+' ? a + b : op == '-' ? a - b : a * b;
    long r = v % m;
    if (r < 0) r += m;
    EXPECT_EQ(e.target, std::to_string(r)) << e.field("expression");
  }
}

}  // namespace
}  // namespace hone::tasks
