// Synthetic symbolic tasks with exact answers and rationales: word sorting, date arithmetic, Dyck-language
// completion and modular arithmetic.
#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "tasks/generation.h"
#include "tasks/registry.h"

namespace hone::tasks {
namespace {

// ---- word sorting ----

const std::vector<std::string>& sortable_words() {
  static const std::vector<std::string> words = {
      "apple", "anchor", "arrow", "autumn", "badge", "basket", "beacon", "bottle", "branch", "bridge", "butter",
      "cabin", "candle", "canvas", "carpet", "castle", "cellar", "cheese", "circle", "cobalt", "copper", "cotton",
      "dagger", "desert", "dinner", "doctor", "dragon", "drawer", "eagle", "effort", "engine", "escape", "fabric",
      "falcon", "feather", "finger", "flower", "forest", "galaxy", "garden", "ginger", "glacier", "gravel", "hammer",
      "harbor", "helmet", "hollow", "honey", "island", "ivory", "jacket", "jungle", "kettle", "kitten", "ladder",
      "lantern", "lemon", "lizard", "magnet", "marble", "meadow", "mirror", "monkey", "needle", "noodle", "number",
      "orange", "orchid", "oyster", "paddle", "pepper", "pillow", "planet", "pocket", "puzzle", "quartz", "quiver",
      "rabbit", "ribbon", "river", "rocket", "saddle", "salmon", "shadow", "silver", "spider", "spring", "summer",
      "tablet", "temple", "thunder", "timber", "tomato", "tunnel", "turtle", "umbrella", "valley", "velvet", "violet",
      "wagon", "walnut", "window", "winter", "wizard", "yellow", "zebra", "zipper", "coffee", "column", "crayon"};
  return words;
}

std::optional<Example> word_sorting(Draws& draws, int64_t) {
  const int64_t n = draws.uniform(3, 12);
  std::vector<std::string> words;
  while (static_cast<int64_t>(words.size()) < n) {
    const std::string& word = draws.pick(sortable_words());
    if (std::find(words.begin(), words.end(), word) == words.end()) words.push_back(word);
  }
  std::vector<std::string> sorted = words;
  std::sort(sorted.begin(), sorted.end());
  Example example;
  example.set("words", join(words, " "));
  example.target = join(sorted, " ");
  example.rationale = "Comparing the words letter by letter gives the order " + join(sorted, " < ") + ".";
  return example;
}

// ---- date arithmetic ----

bool leap(int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }
int64_t month_days(int64_t year, int64_t month) {
  static const int64_t days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && leap(year) ? 29 : days[month - 1];
}

struct Date {
  int64_t year, month, day;
};

// Walks day by day: offsets are at most a few hundred days, and the walk is obviously right.
Date add_days(Date d, int64_t days) {
  for (; days > 0; --days) {
    if (++d.day > month_days(d.year, d.month)) {
      d.day = 1;
      if (++d.month > 12) d.month = 1, ++d.year;
    }
  }
  for (; days < 0; ++days) {
    if (--d.day < 1) {
      if (--d.month < 1) d.month = 12, --d.year;
      d.day = month_days(d.year, d.month);
    }
  }
  return d;
}

std::string format_date(const Date& d) {
  char text[16];
  std::snprintf(text, sizeof(text), "%02lld/%02lld/%04lld", static_cast<long long>(d.month),
                static_cast<long long>(d.day), static_cast<long long>(d.year));
  return text;
}

std::optional<Example> date_arithmetic(Draws& draws, int64_t) {
  Date today{draws.uniform(1950, 2030), draws.uniform(1, 12), 1};
  today.day = draws.uniform(1, month_days(today.year, today.month));
  const bool weeks = draws.uniform(0, 2) == 0;
  const int64_t amount = weeks ? draws.uniform(1, 10) : draws.uniform(1, 60);
  const bool forward = draws.coin();
  const int64_t days = (weeks ? 7 * amount : amount) * (forward ? 1 : -1);
  const Date answer = add_days(today, days);
  const std::string unit = weeks ? (amount == 1 ? "week" : "weeks") : (amount == 1 ? "day" : "days");
  const std::string span = std::to_string(amount) + " " + unit;
  Example example;
  example.set("today", format_date(today));
  example.set("offset", forward ? span + " from today" : span + " ago");
  example.target = format_date(answer);
  std::string rationale = "Today is " + format_date(today) + ".";
  if (weeks) rationale += " " + span + " is " + std::to_string(7 * amount) + " days.";
  rationale += " Counting " + std::to_string(std::abs(days)) + " days " + (forward ? "forward" : "back") + " from " +
               format_date(today) + " gives " + format_date(answer) + ".";
  example.rationale = rationale;
  return example;
}

// ---- Dyck languages ----

std::optional<Example> dyck(Draws& draws, int64_t) {
  static const std::string opens = "([{<", closes = ")]}>";
  const int64_t length = draws.uniform(4, 20);
  std::vector<char> stack;
  std::vector<std::string> sequence;
  std::string trace;
  for (int64_t i = 0; i < length; ++i) {
    // Close with probability 1/2 when something is open, but never leave the stack empty at the end.
    const bool close = !stack.empty() && draws.coin() && !(i == length - 1 && stack.size() == 1);
    char symbol;
    if (close) {
      symbol = closes[opens.find(stack.back())];
      stack.pop_back();
    } else {
      symbol = opens[static_cast<size_t>(draws.uniform(0, 3))];
      stack.push_back(symbol);
    }
    sequence.push_back(std::string(1, symbol));
    trace += std::string(trace.empty() ? "" : " ") + symbol + " -> stack: " +
             (stack.empty() ? std::string("empty") : join([&] {
               std::vector<std::string> s;
               for (char c : stack) s.push_back(std::string(1, c));
               return s;
             }(), " ")) + ";";
  }
  if (stack.empty()) return std::nullopt;
  std::vector<std::string> completion;
  for (auto it = stack.rbegin(); it != stack.rend(); ++it) completion.push_back(std::string(1, closes[opens.find(*it)]));
  Example example;
  example.set("sequence", join(sequence, " "));
  example.target = join(completion, " ");
  example.rationale = "Track the open brackets: " + trace + " Closing them from the top of the stack gives " +
                      example.target + ".";
  return example;
}

// ---- modular arithmetic ----

std::optional<Example> modular(Draws& draws, int64_t) {
  static const std::vector<std::string> ops = {"+", "-", "*"};
  const int64_t a = draws.uniform(0, 999), b = draws.uniform(0, 999), m = draws.uniform(2, 97);
  const std::string& op = draws.pick(ops);
  const int64_t value = op == "+" ? a + b : op == "-" ? a - b : a * b;
  const int64_t residue = ((value % m) + m) % m;
  Example example;
  // Appended piece by piece: GCC 12 misreports "(" + std::string as a -Wrestrict overlap.
  std::string expression = "(";
  expression += std::to_string(a) + " " + op + " " + std::to_string(b) + ") mod " + std::to_string(m);
  example.set("expression", expression);
  example.target = std::to_string(residue);
  const int64_t quotient = (value - residue) / m;
  example.rationale = std::to_string(a) + " " + op + " " + std::to_string(b) + " = " + std::to_string(value) + ". " +
                      std::to_string(value) + " = " + std::to_string(m) + " * " + std::to_string(quotient) + " + " +
                      std::to_string(residue) + ", so the remainder is " + std::to_string(residue) + ".";
  return example;
}


}  // namespace

void add_symbolic_tasks(std::vector<BundledTask>& tasks) {
  tasks.push_back(generated_task("word_sorting", "algorithmic", "sort 3-12 words alphabetically", R"(
[[templates]]
inputs = "Sort the following words alphabetically: List: {words}"
[[templates]]
inputs = "Put these words in alphabetical order, separated by spaces: {words}"
)", word_sorting));
  tasks.push_back(generated_task("date_arithmetic", "temporal", "the date some days or weeks before or after today", R"(
[[templates]]
inputs = "Today is {today}. What is the date {offset} in MM/DD/YYYY?"
[[templates]]
inputs = "If today is {today} (MM/DD/YYYY), what date is it {offset}? Answer in MM/DD/YYYY."
)", date_arithmetic));
  tasks.push_back(generated_task("dyck_languages", "state_tracking", "close the open brackets of a Dyck-language prefix", R"(
[[templates]]
inputs = "Complete the rest of the sequence, making sure that the parentheses are closed properly. Input: {sequence}"
[[templates]]
inputs = "Close every open bracket, innermost first: {sequence}"
)", dyck));
  tasks.push_back(generated_task("modular_arithmetic", "arithmetic", "(a op b) mod m with a result in [0, m)", R"(
[[templates]]
inputs = "What is {expression}?"
[[templates]]
inputs = "Compute {expression}, giving a whole number from 0 up to the modulus minus one."
)", modular));
}

}  // namespace hone::tasks
