// `hone tasks list|show|export`: the bundled Flan-style tasks, their templates, and rendered splits as
// JSONL ({"inputs", "targets", "task", "template", "shots"} per line).
#include <cstdio>
#include <fstream>
#include <memory>

#include "cli/commands.h"
#include "core/error.h"
#include "tasks/generation.h"
#include "tasks/registry.h"
#include "tasks/task_export.h"

namespace hone::cli {
namespace {

struct TaskArgs {
  std::string name, split = "test", out;
  int64_t shots = 0, template_index = -1, max_tokens = 0;
  bool cot = false;
  uint64_t seed = 0;
  int64_t train = -1, validation = -1, test = -1;  // -1: the task's default size
};

tasks::SplitSizes sizes_for(const tasks::BundledTask& task, const TaskArgs& args) {
  tasks::SplitSizes sizes = task.default_sizes;
  if (args.train >= 0) sizes.train = args.train;
  if (args.validation >= 0) sizes.validation = args.validation;
  if (args.test >= 0) sizes.test = args.test;
  return sizes;
}

void run_list() {
  std::printf("%-28s %-15s %-9s %-16s %s\n", "task", "cluster", "data", "train/val/test", "description");
  for (const auto& task : tasks::bundled_tasks()) {
    const std::string sizes = std::to_string(task.default_sizes.train) + "/" + std::to_string(task.default_sizes.validation) +
                              "/" + std::to_string(task.default_sizes.test);
    std::printf("%-28s %-15s %-9s %-16s %s\n", task.name.c_str(), task.cluster.c_str(),
                task.data.empty() ? "synthetic" : task.data.c_str(), sizes.c_str(), task.description.c_str());
  }
  std::printf("clusters: %s\n", tasks::join(tasks::cluster_names(), ", ").c_str());
}

void run_show(const TaskArgs& args) {
  const tasks::BundledTask task = tasks::resolve_task(args.name);
  const auto templates = tasks::task_templates(task);
  std::printf("%s (cluster %s): %s\n", task.name.c_str(), task.cluster.c_str(), task.description.c_str());
  const tasks::Splits splits = tasks::generate_splits(task, {1, 0, 1}, args.seed);
  for (size_t i = 0; i < templates.templates.size(); ++i) {
    tasks::ExportOptions options;
    options.template_index = static_cast<int64_t>(i);
    options.seed = args.seed;
    options.chain_of_thought = args.cot;
    const auto rendered = tasks::render_split(templates, splits.test, splits.train, false, options);
    std::printf("\n--- template %zu ---\n%s\n--- target ---\n%s\n", i, rendered[0].inputs.c_str(), rendered[0].targets.c_str());
  }
}

void run_export(const TaskArgs& args) {
  if (args.out.empty()) fail_usage("tasks export: --out FILE.jsonl is required");
  const tasks::BundledTask task = tasks::resolve_task(args.name);
  const auto templates = tasks::task_templates(task);
  const tasks::Splits splits = tasks::generate_splits(task, sizes_for(task, args), args.seed);
  tasks::ExportOptions options;
  options.shots = args.shots;
  options.chain_of_thought = args.cot;
  options.template_index = args.template_index;
  options.seed = args.seed;
  options.max_input_tokens = args.max_tokens;
  const auto& examples = splits.get(args.split);
  const auto rendered = tasks::render_split(templates, examples, splits.train, args.split == "train", options);
  std::ofstream out(args.out, std::ios::binary);
  HONE_CHECK(out.good(), "cannot write ", args.out, ": check the directory exists and is writable");
  for (const auto& example : rendered) out << tasks::rendered_json(example, task.name) << '\n';
  HONE_CHECK(out.good(), "writing ", args.out, " failed: is the disk full?");
  std::printf("wrote %zu %s examples of %s to %s\n", rendered.size(), args.split.c_str(), task.name.c_str(),
              args.out.c_str());
}

}  // namespace

void register_tasks(CLI::App& app) {
  auto args = std::make_shared<TaskArgs>();
  auto list = std::make_shared<CLI::App*>(nullptr);
  auto show = std::make_shared<CLI::App*>(nullptr);
  auto exp = std::make_shared<CLI::App*>(nullptr);
  CLI::App* tasks_app = add_command(app, "tasks", "Flan-style instruction tasks: list, show templates, export rendered splits",
                                    [args, list, show, exp] {
                                      if ((*list)->parsed()) run_list();
                                      if ((*show)->parsed()) run_show(*args);
                                      if ((*exp)->parsed()) run_export(*args);
                                    });
  tasks_app->require_subcommand(1);
  *list = tasks_app->add_subcommand("list", "List the bundled tasks with their clusters and split sizes");
  *show = tasks_app->add_subcommand("show", "Print a task's templates rendered on one example");
  (*show)->add_option("name", args->name, "Task name (see `hone tasks list`) or a task file ending in .toml")->required();
  (*show)->add_flag("--cot", args->cot, "Chain-of-thought targets");
  (*show)->add_option("--seed", args->seed, "Generation seed");
  *exp = tasks_app->add_subcommand("export", "Write a rendered split as JSONL");
  (*exp)->add_option("name", args->name, "Task name (see `hone tasks list`) or a task file ending in .toml")->required();
  (*exp)->add_option("--split", args->split, "train, validation or test")->check(CLI::IsMember({"train", "validation", "test"}));
  (*exp)->add_option("--out", args->out, "Output JSONL file")->required();
  (*exp)->add_option("--shots", args->shots, "Few-shot exemplars from the training split")->check(CLI::NonNegativeNumber);
  (*exp)->add_flag("--cot", args->cot, "Chain-of-thought targets (rationale, then \"So the answer is X.\")");
  (*exp)->add_option("--template", args->template_index, "Template index (default: a seeded random one per example)");
  (*exp)->add_option("--seed", args->seed, "Seed for generation, templates, exemplars and option order");
  (*exp)->add_option("--max-tokens", args->max_tokens, "Few-shot input budget in words; exemplars are dropped to fit");
  (*exp)->add_option("--train", args->train, "Training split size (default: the task's)");
  (*exp)->add_option("--validation", args->validation, "Validation split size");
  (*exp)->add_option("--test", args->test, "Test split size");
}

}  // namespace hone::cli
