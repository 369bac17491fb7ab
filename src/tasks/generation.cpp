#include "tasks/generation.h"

#include <unordered_set>

#include "core/error.h"
#include "core/rng.h"

namespace hone::tasks {

uint32_t Draws::next_u32() { return random_u32(seed_, stream_, index_++); }

int64_t Draws::uniform(int64_t lo, int64_t hi) {
  HONE_CHECK(hi >= lo, "Draws::uniform: empty range [", lo, ", ", hi, "]");
  const uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
  const uint64_t wide = (static_cast<uint64_t>(next_u32()) << 32) | next_u32();
  return lo + static_cast<int64_t>(wide % span);
}

std::string input_key(const Example& example) {
  std::string key;
  for (const auto& [name, value] : example.fields) key += name + '\x1f' + value + '\x1e';
  return key;
}

std::vector<Example> collect_distinct(int64_t count, uint64_t seed, const std::string& task,
                                      const std::function<std::optional<Example>(Draws&, int64_t)>& make) {
  std::vector<Example> out;
  std::unordered_set<std::string> seen;
  Draws draws(seed, 0x7461736bULL);  // "task"
  const int64_t max_attempts = 200 * count + 10000;
  for (int64_t attempt = 0; static_cast<int64_t>(out.size()) < count; ++attempt) {
    HONE_CHECK(attempt < max_attempts, task, ": found only ", out.size(), " distinct examples of the ", count,
               " requested; ask for smaller splits");
    std::optional<Example> example = make(draws, static_cast<int64_t>(out.size()));
    if (example && seen.insert(input_key(*example)).second) out.push_back(std::move(*example));
  }
  return out;
}

std::vector<Example> take_shuffled(std::vector<Example> candidates, int64_t count, uint64_t seed,
                                   const std::string& task) {
  Draws draws(seed, 0x706f6f6cULL);  // "pool"
  draws.shuffle(candidates);
  std::vector<Example> out;
  std::unordered_set<std::string> seen;
  for (auto& example : candidates) {
    if (static_cast<int64_t>(out.size()) == count) break;
    if (seen.insert(input_key(example)).second) out.push_back(std::move(example));
  }
  HONE_CHECK(static_cast<int64_t>(out.size()) == count, task, ": the data holds only ", out.size(),
             " distinct examples but ", count, " were requested; ask for smaller splits");
  return out;
}

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? separator : "") + parts[i];
  return out;
}

BundledTask bundled_task(const std::string& name, const std::string& cluster, std::string description,
                         const std::string& templates, std::string data,
                         std::function<std::vector<Example>(int64_t count, uint64_t seed)> generate) {
  BundledTask task;
  task.name = name;
  task.cluster = cluster;
  task.description = std::move(description);
  task.templates_toml = "name = \"" + name + "\"\ncluster = \"" + cluster + "\"\n" + templates;
  task.default_sizes = {2000, 200, 500};
  task.data = std::move(data);
  task.generate = std::move(generate);
  return task;
}

BundledTask generated_task(const std::string& name, const std::string& cluster, std::string description,
                           const std::string& templates, std::function<std::optional<Example>(Draws&, int64_t)> make) {
  return bundled_task(name, cluster, std::move(description), templates, "",
                      [name, make](int64_t count, uint64_t seed) { return collect_distinct(count, seed, name, make); });
}

}  // namespace hone::tasks
