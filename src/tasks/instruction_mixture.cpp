#include "tasks/instruction_mixture.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/rng.h"

namespace hone::tasks {
namespace {

// Philox streams of the mixture's draws, so that no two kinds of draw share random numbers.
enum Stream : uint64_t {
  kTaskStream = 0x6d69782d7461736bULL,      // "mix-task"
  kExampleStream = 0x6d69782d6578616dULL,   // "mix-exam"
  kTemplateStream = 0x6d69782d74706c74ULL,  // "mix-tplt"
  kKindStream = 0x6d69782d6b696e64ULL,      // "mix-kind"
  kShotStream = 0x6d69782d73686f74ULL,      // "mix-shot"
};

uint64_t draw_below(uint64_t seed, Stream stream, uint64_t index, uint64_t slot, uint64_t n) {
  // Two 32-bit draws make a 64-bit one: modulo bias is negligible for the split sizes involved.
  const uint64_t high = random_u32(seed ^ stream, index, 2 * slot);
  const uint64_t low = random_u32(seed ^ stream, index, 2 * slot + 1);
  return ((high << 32) | low) % n;
}

double uniform(uint64_t seed, Stream stream, uint64_t index) {
  return static_cast<double>(random_u32(seed ^ stream, index, 0)) / 4294967296.0;
}

}  // namespace

std::string to_string(RenderingKind kind) {
  switch (kind) {
    case RenderingKind::ZeroShot: return "zero_shot";
    case RenderingKind::FewShot: return "few_shot";
    case RenderingKind::ChainOfThought: return "chain_of_thought";
  }
  return "?";
}

InstructionMixture::InstructionMixture(const InstructionMixtureOptions& options) : options_(options) {
  HONE_CHECK(options.cap > 0, "instruction mixture: cap must be positive, got ", options.cap);
  HONE_CHECK(options.shots >= 0, "instruction mixture: shots must be >= 0, got ", options.shots);
  for (double r : {options.zero_shot, options.few_shot, options.chain_of_thought})
    HONE_CHECK(std::isfinite(r) && r >= 0, "instruction mixture: rendering ratios must be finite and >= 0, got ",
               options.zero_shot, " / ", options.few_shot, " / ", options.chain_of_thought);
  HONE_CHECK(options.zero_shot + options.few_shot + options.chain_of_thought > 0,
             "instruction mixture: the zero-shot, few-shot and chain-of-thought ratios are all 0");
  HONE_CHECK(options.few_shot == 0 || options.shots > 0, "instruction mixture: few_shot > 0 needs shots > 0");

  std::vector<MixtureTaskSpec> specs = options.tasks;
  if (specs.empty()) {
    for (const BundledTask* task : tasks_outside_clusters(options.held_out_clusters)) specs.push_back({task->name, 1.0});
  }
  HONE_CHECK(!specs.empty(), "instruction mixture: no tasks left to train on (every cluster is held out)");
  for (const MixtureTaskSpec& spec : specs) {
    HONE_CHECK(std::isfinite(spec.weight) && spec.weight > 0, "instruction mixture: task ", spec.name,
               " has weight ", spec.weight, "; weights must be positive");
    Task t{resolve_task(spec.name), {}, {}, 0.0};
    HONE_CHECK(std::find(options.held_out_clusters.begin(), options.held_out_clusters.end(), t.task.cluster) ==
                   options.held_out_clusters.end(),
               "instruction mixture: task ", t.task.name, " is in the held-out cluster ", t.task.cluster,
               "; training on it would leak the evaluation");
    t.templates = task_templates(t.task);
    HONE_CHECK(!t.templates.templates.empty(), "task ", t.task.name, " has no templates");
    t.train = generate_splits(t.task, t.task.default_sizes, options.split_seed).train;
    HONE_CHECK(!t.train.empty(), "task ", t.task.name, " has no training examples");
    t.weight = spec.weight * static_cast<double>(std::min<int64_t>(static_cast<int64_t>(t.train.size()), options.cap));
    tasks_.push_back(std::move(t));
  }
  double total = 0;
  for (const Task& t : tasks_) total += t.weight;
  double running = 0;
  for (Task& t : tasks_) {
    t.weight /= total;
    running += t.weight;
    cumulative_.push_back(running);
  }
  cumulative_.back() = 1.0;
}

size_t InstructionMixture::draw_task(uint64_t index) const {
  const double u = uniform(options_.seed, kTaskStream, index);
  const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), u);
  return std::min(static_cast<size_t>(it - cumulative_.begin()), tasks_.size() - 1);
}

MixtureExample InstructionMixture::example(uint64_t index) const {
  MixtureExample out;
  out.task = draw_task(index);
  const Task& task = tasks_[out.task];
  const uint64_t seed = options_.seed;
  const uint64_t example_index = draw_below(seed, kExampleStream, index, 0, task.train.size());
  const Example& example = task.train[example_index];
  const Template& tmpl = task.templates.templates[draw_below(seed, kTemplateStream, index, 0, task.templates.templates.size())];

  const double total = options_.zero_shot + options_.few_shot + options_.chain_of_thought;
  const double u = uniform(seed, kKindStream, index) * total;
  out.kind = u < options_.zero_shot                      ? RenderingKind::ZeroShot
             : u < options_.zero_shot + options_.few_shot ? RenderingKind::FewShot
                                                           : RenderingKind::ChainOfThought;
  if (out.kind == RenderingKind::ChainOfThought && example.rationale.empty()) out.kind = RenderingKind::ZeroShot;

  RenderOptions render;
  render.chain_of_thought = out.kind == RenderingKind::ChainOfThought;
  render.seed = seed;
  render.max_input_tokens = options_.max_input_tokens;
  render.count_tokens = options_.count_tokens;
  if (out.kind != RenderingKind::FewShot || task.train.size() < 2) {
    out.text = render_example(example, index, tmpl, render);
    if (out.kind == RenderingKind::FewShot) out.kind = RenderingKind::ZeroShot;
    return out;
  }
  // Exemplars: other training examples of the task, distinct from the query.
  std::vector<Example> exemplars;
  std::vector<uint64_t> exemplar_indices;
  const int64_t shots = std::min<int64_t>(options_.shots, static_cast<int64_t>(task.train.size()) - 1);
  for (uint64_t slot = 0; static_cast<int64_t>(exemplars.size()) < shots; ++slot) {
    const uint64_t pick = draw_below(seed, kShotStream, index, slot, task.train.size());
    if (pick == example_index || std::find(exemplar_indices.begin(), exemplar_indices.end(), pick) != exemplar_indices.end())
      continue;
    exemplars.push_back(task.train[pick]);
    exemplar_indices.push_back(pick);
  }
  out.text = render_few_shot(example, index, exemplars, exemplar_indices, tmpl, render);
  return out;
}

}  // namespace hone::tasks
