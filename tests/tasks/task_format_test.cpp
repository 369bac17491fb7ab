#include "tasks/task.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"

namespace hone::tasks {
namespace {

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(TaskToml, ParsesTemplates) {
  const TaskTemplates task = parse_task_toml(R"(
name = "rte"
cluster = "nli"
description = "entailment"
examples = "rte.jsonl"
[[templates]]
inputs = "{premise}\n\nDoes this mean that \"{hypothesis}\"?\n\n{options}"
[[templates]]
inputs = "Premise: {premise}"
targets = "{answer}!"
cot_targets = "{rationale} => {answer}"
)", "rte.toml");
  EXPECT_EQ(task.name, "rte");
  EXPECT_EQ(task.cluster, "nli");
  EXPECT_EQ(task.description, "entailment");
  EXPECT_EQ(task.examples_file, "rte.jsonl");
  ASSERT_EQ(task.templates.size(), 2u);
  EXPECT_EQ(task.templates[0].inputs, "{premise}\n\nDoes this mean that \"{hypothesis}\"?\n\n{options}");
  EXPECT_EQ(task.templates[0].targets, "{answer}");
  EXPECT_EQ(task.templates[0].cot_targets, "");
  EXPECT_EQ(task.templates[1].targets, "{answer}!");
  EXPECT_EQ(task.templates[1].cot_targets, "{rationale} => {answer}");
}

TEST(TaskToml, BadFilesGiveClearErrors) {
  const std::string ok_template = "\n[[templates]]\ninputs = \"x\"\n";
  std::string e = error_of([&] { parse_task_toml("name = \"a\"\ncluster = \"b\"\ncolour = 1" + ok_template, "t.toml"); });
  EXPECT_NE(e.find("t.toml"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown key 'colour'"), std::string::npos) << e;
  e = error_of([&] { parse_task_toml("name = \"a\"\ncluster = \"b\"\n[[templates]]\ninput = \"x\"\n", "t.toml"); });
  EXPECT_NE(e.find("templates[0]"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown key 'input'"), std::string::npos) << e;
  e = error_of([&] { parse_task_toml("cluster = \"b\"" + ok_template, "t.toml"); });
  EXPECT_NE(e.find("missing key 'name'"), std::string::npos) << e;
  e = error_of([&] { parse_task_toml("name = \"a\"\ncluster = \"b\"\n", "t.toml"); });
  EXPECT_NE(e.find("[[templates]]"), std::string::npos) << e;
  e = error_of([&] { parse_task_toml("name = 3\ncluster = \"b\"" + ok_template, "t.toml"); });
  EXPECT_NE(e.find("'name' must be a string"), std::string::npos) << e;
  e = error_of([&] { parse_task_toml("name = \"a\"\ncluster = \"b\"\nname = \"c\"" + ok_template, "t.toml"); });
  EXPECT_NE(e.find("invalid TOML"), std::string::npos) << e;
  EXPECT_NE(e.find("t.toml:3"), std::string::npos) << e;
  e = error_of([] { load_task_toml("/nonexistent/task.toml"); });
  EXPECT_NE(e.find("cannot read task file"), std::string::npos) << e;
}

TEST(TaskJsonl, ParsesAndRoundTrips) {
  Example example = parse_example_json(
      R"({"inputs": {"premise": "A dog runs.", "hypothesis": "An animal moves."}, "target": "yes",
          "options": ["yes", "no"], "rationale": "A dog is an animal.", "accepted": ["y"]})",
      "x.jsonl:1");
  EXPECT_EQ(example.field("premise"), "A dog runs.");
  EXPECT_EQ(example.field("hypothesis"), "An animal moves.");
  EXPECT_EQ(example.target, "yes");
  EXPECT_EQ(example.options, (std::vector<std::string>{"yes", "no"}));
  EXPECT_EQ(example.rationale, "A dog is an animal.");
  EXPECT_EQ(example.accepted, (std::vector<std::string>{"y"}));
  const Example again = parse_example_json(example_json(example), "round trip");
  EXPECT_EQ(example_json(again), example_json(example));

  const auto dir = std::filesystem::temp_directory_path() / "hone_task_format_test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "examples.jsonl").string();
  save_examples_jsonl(path, {example, example});
  const auto loaded = load_examples_jsonl(path);
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(example_json(loaded[1]), example_json(example));
  {
    std::ofstream out(dir / "task.toml");
    out << "name = \"t\"\ncluster = \"nli\"\nexamples = \"examples.jsonl\"\n[[templates]]\ninputs = \"{premise}\"\n";
  }
  EXPECT_EQ(load_task_toml((dir / "task.toml").string()).examples_file, path);
  std::filesystem::remove_all(dir);
}

TEST(TaskJsonl, BadLinesGiveClearErrors) {
  std::string e = error_of([] { parse_example_json(R"({"inputs": {}, "target": "a", "label": 1})", "f.jsonl:4"); });
  EXPECT_NE(e.find("f.jsonl:4"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown key 'label'"), std::string::npos) << e;
  e = error_of([] { parse_example_json(R"({"inputs": {"q": "x"}})", "f.jsonl:2"); });
  EXPECT_NE(e.find("missing 'target'"), std::string::npos) << e;
  e = error_of([] { parse_example_json(R"({"inputs": {"q": 3}, "target": "a"})", "f.jsonl:2"); });
  EXPECT_NE(e.find("input field 'q' must be a string"), std::string::npos) << e;
  e = error_of([] { parse_example_json(R"({"inputs": {}, "target": "c", "options": ["a", "b"]})", "f.jsonl:2"); });
  EXPECT_NE(e.find("not one of the options"), std::string::npos) << e;
  e = error_of([] { parse_example_json("{not json", "f.jsonl:9"); });
  EXPECT_NE(e.find("f.jsonl:9: invalid JSON"), std::string::npos) << e;
}

}  // namespace
}  // namespace hone::tasks
