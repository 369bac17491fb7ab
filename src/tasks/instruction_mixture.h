#pragma once
// The Flan training mixture: many tasks, each rendered zero-shot, few-shot or with chain-of-thought,
// mixed examples-proportionally with a per-task cap (Raffel et al. 2020; Chung et al. 2022):
//
//   weight(task) = submixture_weight(task) * min(train examples, cap)
//
// Example k of the mixture is a pure function of (seed, k): a task drawn by weight, one of its training
// examples drawn uniformly (with replacement: a per-task epoch order would make example k depend on
// every draw before it, and resuming from an index would need that history), a template drawn
// uniformly, a rendering drawn by the zero-shot / few-shot / chain-of-thought ratios (chain-of-thought
// only for examples with a rationale; others fall back to zero-shot), and for few-shot k exemplars drawn
// from the same task's train split. So the mixture resumes exactly from an example index.
#include <cstdint>
#include <string>
#include <vector>

#include "tasks/registry.h"
#include "tasks/render.h"

namespace hone::tasks {

enum class RenderingKind { ZeroShot, FewShot, ChainOfThought };
std::string to_string(RenderingKind kind);

struct MixtureTaskSpec {
  std::string name;      // bundled task name or a task .toml path
  double weight = 1.0;   // submixture weight, multiplies the examples-proportional weight
};

struct InstructionMixtureOptions {
  std::vector<MixtureTaskSpec> tasks;  // empty: every bundled task outside held_out_clusters
  std::vector<std::string> held_out_clusters;
  int64_t cap = 3000;                  // examples-proportional cap per task
  double zero_shot = 0.5;              // rendering ratios (normalised; must not all be 0)
  double few_shot = 0.25;
  double chain_of_thought = 0.25;
  int64_t shots = 3;                   // exemplars for a few-shot rendering
  int64_t max_input_tokens = 0;        // few-shot budget (render_few_shot); 0: none
  TokenCounter count_tokens = count_words;
  uint64_t seed = 0;                   // sampling and option order
  // The seed the task splits are generated with. It is not the training seed on purpose: evaluation
  // (`hone eval`, `hone tasks export`) generates the same splits with the same split seed (0 by
  // default), so a held-out test example can never be a training example of another run's seed.
  uint64_t split_seed = 0;
};

struct MixtureExample {
  Rendered text;
  size_t task = 0;  // index into InstructionMixture::tasks()
  RenderingKind kind = RenderingKind::ZeroShot;
};

class InstructionMixture {
 public:
  // Generates every task's splits (default sizes) and checks the options: unknown tasks, a task in a
  // held-out cluster, negative weights or ratios, or nothing to train on are hone::Errors.
  explicit InstructionMixture(const InstructionMixtureOptions& options);

  MixtureExample example(uint64_t index) const;

  struct Task {
    BundledTask task;
    TaskTemplates templates;
    std::vector<Example> train;
    double weight = 0.0;  // normalised mixing rate
  };
  const std::vector<Task>& tasks() const { return tasks_; }
  const InstructionMixtureOptions& options() const { return options_; }

 private:
  size_t draw_task(uint64_t index) const;

  InstructionMixtureOptions options_;
  std::vector<Task> tasks_;
  std::vector<double> cumulative_;  // cumulative task weights, last = 1
};

}  // namespace hone::tasks
