#pragma once
// The bundled tasks, grouped into clusters (NLI, QA, arithmetic, translation, state tracking,
// lexical, ...) so an evaluation can hold out whole clusters. Each task generates its
// train/validation/test splits deterministically from a seed and data already on the machine.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tasks/task.h"

namespace hone::tasks {

struct BundledTask {
  std::string name;
  std::string cluster;
  std::string description;
  std::string templates_toml;  // the task's TOML (name, cluster, templates), parsed by parse_task_toml
  SplitSizes default_sizes;
  std::string data;            // "" (synthetic), "wordnet" or "freedict"
  // `count` examples with distinct inputs, a pure function of (count, seed).
  std::function<std::vector<Example>(int64_t count, uint64_t seed)> generate;
};

const std::vector<BundledTask>& bundled_tasks();
// Throws a usage error listing the task names when `name` is unknown.
const BundledTask& find_task(const std::string& name);
TaskTemplates task_templates(const BundledTask& task);

// Disjoint splits of exactly the given sizes (train first, then validation, then test).
Splits generate_splits(const BundledTask& task, const SplitSizes& sizes, uint64_t seed);

// A task from a TOML file whose `examples` JSONL supplies the examples: splits are a seeded shuffle of
// them. The default sizes put 10% in validation, 10% in test and the rest in train.
BundledTask task_from_file(const std::string& toml_path);
// A bundled task by name, or a task file when `name_or_path` ends in ".toml".
BundledTask resolve_task(const std::string& name_or_path);

std::vector<std::string> cluster_names();
// The tasks whose cluster is not in `held_out`: train on these, evaluate on the rest.
std::vector<const BundledTask*> tasks_outside_clusters(const std::vector<std::string>& held_out);
std::vector<const BundledTask*> tasks_in_cluster(const std::string& cluster);

// Generator sets, one per data source (defined in their own files).
void add_wordnet_tasks(std::vector<BundledTask>& tasks);
void add_freedict_tasks(std::vector<BundledTask>& tasks);
void add_reasoning_tasks(std::vector<BundledTask>& tasks);  // arithmetic, navigate, boolean, counting
void add_symbolic_tasks(std::vector<BundledTask>& tasks);   // sorting, dates, Dyck, modular arithmetic

}  // namespace hone::tasks
