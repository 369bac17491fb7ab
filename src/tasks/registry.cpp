#include "tasks/registry.h"

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>

#include "core/error.h"
#include "tasks/generation.h"

namespace hone::tasks {

const std::vector<BundledTask>& bundled_tasks() {
  static const std::vector<BundledTask> tasks = [] {
    std::vector<BundledTask> all;
    add_wordnet_tasks(all);
    add_freedict_tasks(all);
    add_reasoning_tasks(all);
    add_symbolic_tasks(all);
    return all;
  }();
  return tasks;
}

const BundledTask& find_task(const std::string& name) {
  std::string names;
  for (const auto& task : bundled_tasks()) {
    if (task.name == name) return task;
    names += (names.empty() ? "" : ", ") + task.name;
  }
  fail_usage("unknown task '", name, "': choose one of ", names, " (see `hone tasks list`)");
}

TaskTemplates task_templates(const BundledTask& task) {
  TaskTemplates parsed = parse_task_toml(task.templates_toml, "bundled task " + task.name);
  HONE_CHECK(parsed.name == task.name && parsed.cluster == task.cluster, "bundled task ", task.name,
             ": its TOML names '", parsed.name, "' in cluster '", parsed.cluster, "'");
  return parsed;
}

Splits generate_splits(const BundledTask& task, const SplitSizes& sizes, uint64_t seed) {
  HONE_CHECK(sizes.train >= 0 && sizes.validation >= 0 && sizes.test >= 0, task.name, ": split sizes must be >= 0");
  std::vector<Example> all = task.generate(sizes.total(), seed);
  HONE_CHECK(static_cast<int64_t>(all.size()) == sizes.total(), task.name, ": generator made ", all.size(),
             " examples, expected ", sizes.total());
  Splits splits;
  const auto begin = all.begin();
  splits.train.assign(begin, begin + sizes.train);
  splits.validation.assign(begin + sizes.train, begin + sizes.train + sizes.validation);
  splits.test.assign(begin + sizes.train + sizes.validation, all.end());
  return splits;
}

BundledTask task_from_file(const std::string& toml_path) {
  const TaskTemplates templates = load_task_toml(toml_path);
  HONE_CHECK(!templates.examples_file.empty(), toml_path,
             ": a task file used on its own needs examples = \"FILE.jsonl\" (relative to the TOML file)");
  auto examples = std::make_shared<std::vector<Example>>(load_examples_jsonl(templates.examples_file));
  const auto n = static_cast<int64_t>(examples->size());
  HONE_CHECK(n > 0, templates.examples_file, ": no examples");
  BundledTask task;
  task.name = templates.name;
  task.cluster = templates.cluster;
  task.description = templates.description;
  // Re-parsed by task_templates(): the file's own text keeps one source of truth.
  std::ifstream in(toml_path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  task.templates_toml = text.str();
  task.default_sizes = {n - 2 * (n / 10), n / 10, n / 10};
  task.data = toml_path;
  task.generate = [examples, name = task.name](int64_t count, uint64_t seed) {
    return take_shuffled(*examples, count, seed, name);
  };
  return task;
}

BundledTask resolve_task(const std::string& name_or_path) {
  if (name_or_path.size() > 5 && name_or_path.ends_with(".toml")) return task_from_file(name_or_path);
  return find_task(name_or_path);
}

std::vector<std::string> cluster_names() {
  std::vector<std::string> names;
  for (const auto& task : bundled_tasks())
    if (std::find(names.begin(), names.end(), task.cluster) == names.end()) names.push_back(task.cluster);
  return names;
}

std::vector<const BundledTask*> tasks_outside_clusters(const std::vector<std::string>& held_out) {
  for (const auto& cluster : held_out) {
    const auto known = cluster_names();
    HONE_CHECK(std::find(known.begin(), known.end(), cluster) != known.end(), "unknown cluster '", cluster,
               "': choose from ", join(known, ", "));
  }
  std::vector<const BundledTask*> out;
  for (const auto& task : bundled_tasks())
    if (std::find(held_out.begin(), held_out.end(), task.cluster) == held_out.end()) out.push_back(&task);
  return out;
}

std::vector<const BundledTask*> tasks_in_cluster(const std::string& cluster) {
  std::vector<const BundledTask*> out;
  for (const auto& task : bundled_tasks())
    if (task.cluster == cluster) out.push_back(&task);
  return out;
}

}  // namespace hone::tasks
