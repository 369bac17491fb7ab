#pragma once
// Shared plumbing for the bundled task generators: a seeded draw sequence and a collector that keeps
// drawing until it has the requested number of examples with distinct inputs.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tasks/registry.h"
#include "tasks/task.h"

namespace hone::tasks {

// Deterministic draws: value i of (seed, stream) is a pure function of the three (Philox).
class Draws {
 public:
  Draws(uint64_t seed, uint64_t stream) : seed_(seed), stream_(stream) {}
  uint32_t next_u32();
  // Uniform in [lo, hi] (inclusive); hi - lo must be small next to 2^32.
  int64_t uniform(int64_t lo, int64_t hi);
  bool coin() { return (next_u32() & 1u) != 0; }
  template <class T>
  const T& pick(const std::vector<T>& items) {
    return items[static_cast<size_t>(uniform(0, static_cast<int64_t>(items.size()) - 1))];
  }
  template <class T>
  void shuffle(std::vector<T>& items) {
    for (size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[static_cast<size_t>(uniform(0, i - 1))]);
  }

 private:
  uint64_t seed_, stream_, index_ = 0;
};

// The identity of an example's inputs: its fields joined. Splits are disjoint in this key.
std::string input_key(const Example& example);

// Calls make(draws, i) for i = 0, 1, ... until `count` examples with distinct inputs are collected;
// make may return nullopt to reject a draw. Fails with a clear message when the space runs dry.
std::vector<Example> collect_distinct(int64_t count, uint64_t seed, const std::string& task,
                                      const std::function<std::optional<Example>(Draws&, int64_t)>& make);

// Shuffles a finite candidate list by seed and keeps the first `count` with distinct inputs.
std::vector<Example> take_shuffled(std::vector<Example> candidates, int64_t count, uint64_t seed,
                                   const std::string& task);

std::string join(const std::vector<std::string>& parts, const std::string& separator);

// A bundled task of `cluster` whose TOML is its name, cluster and `templates` (the [[templates]] tables);
// `data` names the Debian data it reads ("" for none); default splits 2000 / 200 / 500.
BundledTask bundled_task(const std::string& name, const std::string& cluster, std::string description,
                         const std::string& templates, std::string data,
                         std::function<std::vector<Example>(int64_t count, uint64_t seed)> generate);

// A synthetic task: `make` draws example i (or nothing, to skip a duplicate), `templates` is the TOML of
// its [[templates]] tables, and the default splits are 2000 / 200 / 500.
BundledTask generated_task(const std::string& name, const std::string& cluster, std::string description,
                           const std::string& templates, std::function<std::optional<Example>(Draws&, int64_t)> make);

}  // namespace hone::tasks
