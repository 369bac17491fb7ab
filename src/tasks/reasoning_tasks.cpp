// Synthetic reasoning tasks with exact answers and step-by-step rationales: multi-step arithmetic word
// problems (SVAMP-like), navigate (BIG-Bench), boolean expressions and object counting.
#include "tasks/reasoning_tasks.h"

#include <memory>

#include "tasks/generation.h"
#include "tasks/registry.h"

namespace hone::tasks {
namespace {

const std::vector<std::string> kNames = {"Tom", "Mia", "Ravi", "Lena", "Omar", "Sara", "Ken", "Ana", "Yuki", "Paul"};

// ---- arithmetic word problems ----

std::optional<Example> word_problem(Draws& draws, int64_t) {
  static const std::vector<std::string> items = {"apples", "marbles", "stickers", "books", "coins",
                                                 "pencils", "cards", "cookies", "shells", "stamps"};
  const std::string& name = draws.pick(kNames);
  const std::string& item = draws.pick(items);
  int64_t value = draws.uniform(5, 60);
  std::string story = name + " has " + std::to_string(value) + " " + item + ".";
  std::string expression = std::to_string(value);
  std::string rationale = name + " starts with " + std::to_string(value) + " " + item + ".";
  const int64_t steps = draws.uniform(2, 3);
  for (int64_t step = 0; step < steps; ++step) {
    const int64_t kind = draws.uniform(0, 3);
    int64_t n = 0, next = 0;
    std::string sentence, op;
    if (kind == 0) {
      n = draws.uniform(2, 40);
      next = value + n;
      op = "+";
      sentence = draws.coin() ? " Then " + name + " buys " + std::to_string(n) + " more."
                              : " A friend gives " + name + " " + std::to_string(n) + " more " + item + ".";
    } else if (kind == 1) {
      if (value < 3) return std::nullopt;
      n = draws.uniform(1, value - 1);
      next = value - n;
      op = "-";
      sentence = draws.coin() ? " Then " + name + " gives away " + std::to_string(n) + " of them."
                              : " " + name + " loses " + std::to_string(n) + " " + item + ".";
    } else if (kind == 2) {
      n = draws.uniform(2, 3);
      next = value * n;
      op = "*";
      sentence = " Then " + name + " " + (n == 2 ? "doubles" : "triples") + " the number of " + item + ".";
    } else {
      n = draws.uniform(2, 5);
      if (value % n != 0) return std::nullopt;
      next = value / n;
      op = "/";
      sentence = " " + name + " shares the " + item + " equally among " + std::to_string(n) +
                 " bags and keeps one bag.";
    }
    if (next > 5000) return std::nullopt;
    story += sentence;
    expression = "(" + expression + " " + op + " " + std::to_string(n) + ")";
    rationale += " " + std::to_string(value) + " " + op + " " + std::to_string(n) + " = " + std::to_string(next) + ".";
    value = next;
  }
  Example example;
  example.set("question", story + " How many " + item + " does " + name + " have now?");
  example.set("equation", expression);
  example.target = std::to_string(value);
  example.rationale = rationale;
  return example;
}

// ---- navigate ----

struct Position {
  int64_t x = 0, y = 0;
  int heading = 0;  // 0 north, 1 east, 2 south, 3 west
};

void move(Position& p, int direction, int64_t steps) {
  static const int dx[4] = {0, 1, 0, -1}, dy[4] = {1, 0, -1, 0};
  p.x += dx[direction] * steps;
  p.y += dy[direction] * steps;
}

std::string where(const Position& p) { return "(" + std::to_string(p.x) + ", " + std::to_string(p.y) + ")"; }

// Instructions of the turning variant: "Take N steps." / "Turn left." / "Turn right." / "Turn around."
struct Move {
  int turn = 0;          // quarter turns clockwise (1 right, 2 around, 3 left); 0 for a step move
  int direction = 0;     // face-forward variant: 0 forward, 1 right, 2 backward, 3 left
  int64_t steps = 0;
};

std::string move_text(const Move& m, bool face_forward) {
  if (m.steps == 0) return m.turn == 1 ? "Turn right." : m.turn == 2 ? "Turn around." : "Turn left.";
  const std::string count = "Take " + std::to_string(m.steps) + (m.steps == 1 ? " step" : " steps");
  if (!face_forward) return count + ".";
  static const char* names[4] = {"forward", "right", "backward", "left"};
  return count + " " + names[m.direction] + ".";
}

Position simulate(const std::vector<Move>& moves, bool face_forward, std::string* rationale) {
  Position p;
  static const char* headings[4] = {"north", "east", "south", "west"};
  if (rationale) *rationale = "Start at (0, 0) facing north.";
  for (const Move& m : moves) {
    if (m.steps == 0) {
      p.heading = (p.heading + m.turn) % 4;
      if (rationale) *rationale += " " + move_text(m, face_forward) + " Now facing " + headings[p.heading] + ".";
    } else {
      move(p, face_forward ? (p.heading + m.direction) % 4 : p.heading, m.steps);
      if (rationale) *rationale += " " + move_text(m, face_forward) + " Now at " + where(p) + ".";
    }
  }
  return p;
}

Move random_move(Draws& draws, bool face_forward) {
  Move m;
  if (face_forward) {
    m.direction = static_cast<int>(draws.uniform(0, 3));
    m.steps = draws.uniform(1, 10);
  } else if (draws.uniform(0, 2) == 0) {
    m.turn = static_cast<int>(draws.uniform(1, 3));
  } else {
    m.steps = draws.uniform(1, 10);
  }
  return m;
}

// Moves that bring the walker back to the origin from p.
std::vector<Move> closing_moves(const Position& p, bool face_forward) {
  std::vector<Move> out;
  int heading = p.heading;
  const auto go = [&](int absolute, int64_t steps) {
    if (steps == 0) return;
    Move m;
    if (face_forward) {
      m.direction = (absolute - heading + 4) % 4;
    } else if (absolute != heading) {
      Move turn;
      turn.turn = (absolute - heading + 4) % 4;
      out.push_back(turn);
      heading = absolute;
    }
    m.steps = steps;
    out.push_back(m);
  };
  go(p.x > 0 ? 3 : 1, p.x > 0 ? p.x : -p.x);
  go(p.y > 0 ? 2 : 0, p.y > 0 ? p.y : -p.y);
  return out;
}

std::optional<Example> navigate(Draws& draws, int64_t index, bool face_forward) {
  const bool want_return = index % 2 == 0;  // alternate labels: exactly balanced
  const int64_t length = draws.uniform(3, 8);
  std::vector<Move> moves;
  if (want_return) {
    const int64_t prefix = draws.uniform(1, length - 1);
    for (int64_t i = 0; i < prefix; ++i) moves.push_back(random_move(draws, face_forward));
    const Position p = simulate(moves, face_forward, nullptr);
    for (const Move& m : closing_moves(p, face_forward)) moves.push_back(m);
    if (static_cast<int64_t>(moves.size()) < 3 || static_cast<int64_t>(moves.size()) > 8) return std::nullopt;
    // Movement with a fixed heading commutes: shuffling hides which moves close the loop.
    if (face_forward) draws.shuffle(moves);
  } else {
    for (int64_t i = 0; i < length; ++i) moves.push_back(random_move(draws, face_forward));
  }
  std::string rationale;
  const Position end = simulate(moves, face_forward, &rationale);
  const bool returned = end.x == 0 && end.y == 0;
  if (returned != want_return) return std::nullopt;
  std::vector<std::string> texts;
  if (face_forward) texts.push_back("Always face forward.");
  for (const Move& m : moves) texts.push_back(move_text(m, face_forward));
  rationale += returned ? " (0, 0) is the starting point." : " " + where(end) + " is not the starting point.";
  Example example;
  example.set("instructions", join(texts, " "));
  example.target = returned ? "Yes" : "No";
  example.options = {"Yes", "No"};
  example.rationale = rationale;
  return example;
}

// ---- boolean expressions ----

struct BoolNode {
  std::string text;  // printed form, parenthesised where needed
  bool value = false;
};

// atom := True | False | not atom | ( expr ); expr := and-chains joined by or.
BoolNode bool_atom(Draws& draws, int depth, std::vector<std::string>& steps);

BoolNode bool_expr(Draws& draws, int depth, std::vector<std::string>& steps) {
  const int64_t terms = depth > 0 ? draws.uniform(1, 2) : 1;
  BoolNode result;
  for (int64_t t = 0; t < terms; ++t) {
    const int64_t factors = draws.uniform(1, 2);
    BoolNode term = bool_atom(draws, depth - 1, steps);
    for (int64_t f = 1; f < factors; ++f) {
      const BoolNode next = bool_atom(draws, depth - 1, steps);
      const bool value = term.value && next.value;
      steps.push_back(std::string(term.value ? "True" : "False") + " and " + (next.value ? "True" : "False") + " = " +
                      (value ? "True" : "False") + ".");
      term = {term.text + " and " + next.text, value};
    }
    if (t == 0) {
      result = term;
    } else {
      const bool value = result.value || term.value;
      steps.push_back(std::string(result.value ? "True" : "False") + " or " + (term.value ? "True" : "False") + " = " +
                      (value ? "True" : "False") + ".");
      result = {result.text + " or " + term.text, value};
    }
  }
  return result;
}

BoolNode bool_atom(Draws& draws, int depth, std::vector<std::string>& steps) {
  const int64_t kind = draws.uniform(0, depth > 0 ? 3 : 1);
  if (kind == 0) {
    const bool value = draws.coin();
    return {value ? "True" : "False", value};
  }
  if (kind == 1) {
    const BoolNode inner = bool_atom(draws, depth - 1, steps);
    steps.push_back(std::string("not ") + (inner.value ? "True" : "False") + " = " + (inner.value ? "False" : "True") + ".");
    return {"not " + inner.text, !inner.value};
  }
  const BoolNode inner = bool_expr(draws, depth, steps);
  return {"( " + inner.text + " )", inner.value};
}

std::optional<Example> boolean_expression(Draws& draws, int64_t index) {
  std::vector<std::string> steps;
  const BoolNode root = bool_expr(draws, 2, steps);
  const bool want = index % 2 == 0;
  if (root.value != want || steps.size() < 2 || steps.size() > 8) return std::nullopt;
  Example example;
  example.set("expression", root.text);
  example.target = root.value ? "True" : "False";
  example.options = {"True", "False"};
  example.rationale = "Evaluate not first, then and, then or, inside parentheses first: " + join(steps, " ");
  return example;
}

// ---- object counting ----

const std::vector<std::string> kNumberWords = {"", "", "two", "three", "four"};

std::optional<Example> object_counting(Draws& draws, int64_t) {
  const auto& objects = countable_objects();
  static const std::vector<std::string> categories = {"fruits", "vegetables", "musical instruments", "animals"};
  const std::string& asked = draws.pick(categories);
  const int64_t n = draws.uniform(3, 8);
  std::vector<const CountableObject*> chosen;
  while (static_cast<int64_t>(chosen.size()) < n) {
    const CountableObject& object = draws.pick(objects);
    bool seen = false;
    for (const auto* c : chosen) seen = seen || c == &object;
    if (!seen) chosen.push_back(&object);
  }
  std::vector<std::string> phrases, counted;
  int64_t total = 0;
  for (const auto* object : chosen) {
    const int64_t quantity = draws.uniform(1, 4);
    const std::string phrase = quantity == 1 ? (std::string("aeiou").find(object->singular[0]) != std::string::npos ? "an " : "a ") + object->singular
                                             : kNumberWords[static_cast<size_t>(quantity)] + " " + object->plural;
    phrases.push_back(phrase);
    if (object->category == asked) {
      total += quantity;
      counted.push_back(phrase + " (" + std::to_string(quantity) + ")");
    }
  }
  if (total == 0) return std::nullopt;
  std::string list = join(std::vector<std::string>(phrases.begin(), phrases.end() - 1), ", ") + ", and " + phrases.back();
  Example example;
  example.set("question", "I have " + list + ". How many " + asked + " do I have?");
  example.target = std::to_string(total);
  example.rationale = "The " + asked + " are: " + join(counted, ", ") + ". " +
                      (counted.size() > 1 ? "Adding them up gives " : "That makes ") + std::to_string(total) + ".";
  return example;
}


}  // namespace

const std::vector<CountableObject>& countable_objects() {
  static const std::vector<CountableObject> objects = {
      {"apple", "apples", "fruits"},         {"banana", "bananas", "fruits"},
      {"peach", "peaches", "fruits"},        {"plum", "plums", "fruits"},
      {"strawberry", "strawberries", "fruits"}, {"grape", "grapes", "fruits"},
      {"orange", "oranges", "fruits"},       {"carrot", "carrots", "vegetables"},
      {"onion", "onions", "vegetables"},     {"potato", "potatoes", "vegetables"},
      {"cabbage", "cabbages", "vegetables"}, {"yam", "yams", "vegetables"},
      {"head of broccoli", "heads of broccoli", "vegetables"}, {"stalk of celery", "stalks of celery", "vegetables"},
      {"piano", "pianos", "musical instruments"}, {"flute", "flutes", "musical instruments"},
      {"violin", "violins", "musical instruments"}, {"drum", "drums", "musical instruments"},
      {"trumpet", "trumpets", "musical instruments"}, {"accordion", "accordions", "musical instruments"},
      {"clarinet", "clarinets", "musical instruments"}, {"cat", "cats", "animals"},
      {"goat", "goats", "animals"},          {"rabbit", "rabbits", "animals"},
      {"donkey", "donkeys", "animals"},      {"snail", "snails", "animals"},
      {"mouse", "mice", "animals"},          {"fish", "fish", "animals"},
  };
  return objects;
}

void add_reasoning_tasks(std::vector<BundledTask>& tasks) {
  tasks.push_back(generated_task("arithmetic_word_problems", "arithmetic", "two- and three-step word problems (SVAMP-like)", R"(
[[templates]]
inputs = "{question}"
[[templates]]
inputs = "Solve this math word problem: {question}"
[[templates]]
inputs = "Question: {question}\nAnswer with a number."
)", word_problem));
  tasks.push_back(generated_task("navigate", "state_tracking", "do the instructions return to the start? (balanced, BIG-Bench navigate)", R"(
[[templates]]
inputs = "If you follow these instructions, do you return to the starting point? {instructions}\n\n{options}"
[[templates]]
inputs = "Instructions: {instructions}\n\nDo you end up where you started?\n\n{options}"
)", [](Draws& d, int64_t i) { return navigate(d, i, false); }));
  tasks.push_back(generated_task("navigate_face_forward", "state_tracking", "navigate, always facing forward (balanced)", R"(
[[templates]]
inputs = "If you follow these instructions, do you return to the starting point? {instructions}\n\n{options}"
[[templates]]
inputs = "Instructions: {instructions}\n\nDo you end up where you started?\n\n{options}"
)", [](Draws& d, int64_t i) { return navigate(d, i, true); }));
  tasks.push_back(generated_task("boolean_expressions", "logic", "evaluate a Python-style boolean expression (balanced)", R"(
[[templates]]
inputs = "{expression} is"
[[templates]]
inputs = "Evaluate the boolean expression: {expression}\n\n{options}"
)", boolean_expression));
  tasks.push_back(generated_task("object_counting", "arithmetic", "count the objects of one kind in a list", R"(
[[templates]]
inputs = "{question}"
[[templates]]
inputs = "Answer with a number. {question}"
)", object_counting));
}

}  // namespace hone::tasks
