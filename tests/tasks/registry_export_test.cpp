// Clusters for held-out evaluation, rendered splits (templates, shots, CoT) and the `hone tasks` CLI.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.h"
#include "support/run_command.h"
#include "tasks/answer_extraction.h"
#include "tasks/registry.h"
#include "tasks/task_export.h"

namespace hone::tasks {
namespace {

TEST(Registry, ClustersAndHeldOutTasks) {
  const auto clusters = cluster_names();
  for (const char* c : {"lexical", "translation", "arithmetic", "state_tracking", "logic", "temporal", "algorithmic"})
    EXPECT_NE(std::find(clusters.begin(), clusters.end(), c), clusters.end()) << c;
  const auto kept = tasks_outside_clusters({"arithmetic", "translation"});
  EXPECT_EQ(kept.size() + tasks_in_cluster("arithmetic").size() + tasks_in_cluster("translation").size(),
            bundled_tasks().size());
  for (const auto* task : kept) EXPECT_TRUE(task->cluster != "arithmetic" && task->cluster != "translation");
  EXPECT_EQ(tasks_in_cluster("state_tracking").size(), 3u);  // navigate x2, Dyck
  EXPECT_THROW(tasks_outside_clusters({"nope"}), Error);
  EXPECT_THROW(find_task("nope"), Error);
  std::set<std::string> names;
  for (const auto& task : bundled_tasks()) {
    EXPECT_TRUE(names.insert(task.name).second) << task.name;
    EXPECT_EQ(task_templates(task).name, task.name);
  }
}

TEST(Export, RendersSplitsWithTemplatesShotsAndCot) {
  const auto& task = find_task("modular_arithmetic");
  const TaskTemplates templates = task_templates(task);
  const Splits splits = generate_splits(task, {20, 0, 10}, 3);
  ExportOptions options;
  options.template_index = 0;
  auto zero = render_split(templates, splits.test, splits.train, false, options);
  ASSERT_EQ(zero.size(), 10u);
  EXPECT_EQ(zero[0].inputs, "What is " + splits.test[0].field("expression") + "?");
  EXPECT_EQ(zero[0].targets, splits.test[0].target);

  options.shots = 3;
  options.chain_of_thought = true;
  auto few = render_split(templates, splits.test, splits.train, false, options);
  for (size_t i = 0; i < few.size(); ++i) {
    EXPECT_EQ(few[i].shots, 3);
    // Three solved exemplars, each "input\n\ntarget", joined by "\n\n\n", then the query.
    size_t blocks = 0;
    for (size_t at = few[i].inputs.find("\n\n\n"); at != std::string::npos; at = few[i].inputs.find("\n\n\n", at + 3)) ++blocks;
    EXPECT_EQ(blocks, 3u);
    EXPECT_TRUE(few[i].inputs.ends_with("\n\n\n" + zero[i].inputs));
    EXPECT_TRUE(few[i].targets.ends_with(" So the answer is " + splits.test[i].target + "."));
    EXPECT_TRUE(answer_matches(few[i].targets, splits.test[i].target));
  }
  // Training split: an example is never its own exemplar.
  options.shots = 19;
  auto train = render_split(templates, splits.train, splits.train, true, options);
  for (size_t i = 0; i < train.size(); ++i) {
    const std::string own = "What is " + splits.train[i].field("expression") + "?\n\n";
    EXPECT_EQ(train[i].inputs.find(own), std::string::npos);
  }
  options.shots = 20;
  EXPECT_THROW(render_split(templates, splits.train, splits.train, true, options), Error);
  options.shots = 0;
  options.template_index = 5;
  EXPECT_THROW(render_split(templates, splits.test, splits.train, false, options), Error);
  // Random templates per example: every template gets used, deterministically.
  options.template_index = -1;
  options.chain_of_thought = false;
  const Splits big = generate_splits(task, {0, 0, 50}, 3);
  auto a = render_split(templates, big.test, big.train, false, options);
  auto b = render_split(templates, big.test, big.train, false, options);
  std::set<int64_t> used;
  for (size_t i = 0; i < a.size(); ++i) {
    used.insert(a[i].template_index);
    EXPECT_EQ(a[i].inputs, b[i].inputs);
  }
  EXPECT_EQ(used.size(), templates.templates.size());
}

TEST(Registry, TaskFromFiles) {
  const auto dir = std::filesystem::temp_directory_path() / "hone_task_file_test";
  std::filesystem::create_directories(dir);
  {
    std::ofstream toml(dir / "rte.toml");
    toml << "name = \"tiny_nli\"\ncluster = \"nli\"\nexamples = \"rte.jsonl\"\n"
            "[[templates]]\ninputs = \"{premise}\\n\\nDoes this mean that \\\"{hypothesis}\\\"?\\n\\n{options}\"\n";
    std::ofstream jsonl(dir / "rte.jsonl");
    for (int i = 0; i < 20; ++i)
      jsonl << R"({"inputs": {"premise": "Premise )" << i << R"(.", "hypothesis": "H )" << i
            << R"(."}, "target": ")" << (i % 2 ? "yes" : "no") << R"(", "options": ["yes", "no"]})" << "\n";
  }
  const BundledTask task = resolve_task((dir / "rte.toml").string());
  EXPECT_EQ(task.cluster, "nli");
  EXPECT_EQ(task.default_sizes.train, 16);
  EXPECT_EQ(task.default_sizes.validation, 2);
  EXPECT_EQ(task.default_sizes.test, 2);
  const Splits splits = generate_splits(task, task.default_sizes, 1);
  std::set<std::string> premises;
  for (const auto* split : {&splits.train, &splits.validation, &splits.test})
    for (const auto& e : *split) premises.insert(e.field("premise"));
  EXPECT_EQ(premises.size(), 20u);
  ExportOptions options;
  const auto rendered = render_split(task_templates(task), splits.test, splits.train, false, options);
  const Example& e = splits.test[0];
  EXPECT_TRUE(rendered[0].inputs == e.field("premise") + "\n\nDoes this mean that \"" + e.field("hypothesis") +
                                        "\"?\n\nOPTIONS:\n- yes\n- no" ||
              rendered[0].inputs == e.field("premise") + "\n\nDoes this mean that \"" + e.field("hypothesis") +
                                        "\"?\n\nOPTIONS:\n- no\n- yes")
      << rendered[0].inputs;
  EXPECT_THROW(generate_splits(task, {30, 0, 0}, 1), Error);  // only 20 examples exist
  const auto cli = testing::run_command(testing::hone_binary() + " tasks export " + (dir / "rte.toml").string() +
                                        " --split train --out " + (dir / "out.jsonl").string());
  EXPECT_EQ(cli.exit_code, 0) << cli.output;
  EXPECT_NE(cli.output.find("wrote 16 train examples of tiny_nli"), std::string::npos) << cli.output;
  std::filesystem::remove_all(dir);
}

TEST(TasksCli, ListShowExport) {
  using testing::hone_binary;
  using testing::run_command;
  const auto list = run_command(hone_binary() + " tasks list");
  EXPECT_EQ(list.exit_code, 0);
  for (const auto& task : bundled_tasks()) EXPECT_NE(list.output.find(task.name), std::string::npos) << task.name;
  const auto show = run_command(hone_binary() + " tasks show boolean_expressions");
  EXPECT_EQ(show.exit_code, 0);
  EXPECT_NE(show.output.find("--- template 1 ---"), std::string::npos) << show.output;

  const auto dir = std::filesystem::temp_directory_path() / "hone_tasks_cli_test";
  std::filesystem::create_directories(dir);
  const std::string out = (dir / "nav.jsonl").string();
  const auto exported = run_command(hone_binary() + " tasks export navigate --split validation --out " + out +
                                    " --shots 2 --cot --template 1 --train 30 --validation 8 --test 4 --seed 5");
  ASSERT_EQ(exported.exit_code, 0) << exported.output;
  std::ifstream in(out);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    const auto json = nlohmann::json::parse(line);
    EXPECT_EQ(json["task"], "navigate");
    EXPECT_EQ(json["template"], 1);
    EXPECT_EQ(json["shots"], 2);
    EXPECT_NE(json["targets"].get<std::string>().find("So the answer is "), std::string::npos);
    EXPECT_NE(json["inputs"].get<std::string>().find("OPTIONS:\n- "), std::string::npos);
    ++lines;
  }
  EXPECT_EQ(lines, 8);
  const auto unknown = run_command(hone_binary() + " tasks export no_such_task --out " + out);
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.output.find("unknown task 'no_such_task'"), std::string::npos) << unknown.output;
  const auto bad_split = run_command(hone_binary() + " tasks export navigate --split dev --out " + out);
  EXPECT_EQ(bad_split.exit_code, 2);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hone::tasks
