#pragma once
// A scaling sweep (`hone scale sweep RECIPE.toml`): one base pretraining recipe and a [sweep] section
// that expands it into many runs, either a grid (model shapes x token budgets) or IsoFLOP profiles
// (FLOP budgets x model shapes, tokens = C / FLOPs per token). This file only plans: it parses the sweep
// recipe and resolves every run's PretrainRecipe (so a bad shape or key fails before anything trains);
// train/sweep_runner.h runs the plan.
//
// It lives in src/train, not src/scaling, because every run is a PretrainRecipe (train/recipe.h) and
// scaling/ may not include train/ (dependencies point down).
//
//   [sweep]
//   name = "tiny"                     # default: the file's stem; runs are NAME/<shape>_<budget>
//   base = "recipes/pretrain.toml"    # optional: the base recipe; this file's other sections override it
//   mode = "grid"                     # grid | isoflop
//   shapes = ["llama-tiny", { d_model = 96, n_decoder_layers = 3, label = "wide" }]
//   tokens = [2e5, 4e5]               # grid: token budgets
//   flops = [1e12, 3e12]              # isoflop: FLOP budgets
//   flops_per_token = "shape_stats"   # isoflop: shape_stats (what the trainer counts) or 6N
//   run_root = "runs"                 # run directories: RUN_ROOT/NAME/<run>
//   jobs = 1                          # runs at once (>1: `hone pretrain` subprocesses)
//   threads = 0                       # threads in all (each of the jobs gets threads / jobs); 0: all
//
// Unknown keys are usage errors naming them. Every run sets train.name = NAME/<run>, train.run_dir,
// train.sweep = NAME and a max_steps budget; the base recipe's own budget is replaced.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "train/recipe.h"

namespace hone {

enum class SweepMode { Grid, IsoFlop };
enum class SweepFlopsPerToken { ShapeStats, SixN };

struct SweepRun {
  std::string label;  // "d64_l2_t2e5": the shape's label and the budget
  std::string name;   // "tiny/d64_l2_t2e5" (train.name, the registry's name)
  std::filesystem::path run_dir;
  PretrainRecipe recipe;  // resolved, budget set
  int64_t params = 0;     // N (total parameters)
  int64_t tokens_per_step = 0;
  int64_t steps = 0;
  int64_t tokens = 0;     // planned D = steps x tokens_per_step
  double flops = 0.0;     // planned C = steps x the shape_stats FLOPs of a step (what the trainer records)
  double budget = 0.0;    // the run's grid token budget or IsoFLOP FLOP budget
};

struct SweepPlan {
  std::string origin;  // the sweep file
  std::string name;
  SweepMode mode = SweepMode::Grid;
  SweepFlopsPerToken flops_per_token = SweepFlopsPerToken::ShapeStats;
  std::filesystem::path run_root = "runs";
  int64_t jobs = 1;
  int64_t threads = 0;
  std::vector<SweepRun> runs;  // shapes x budgets (grid: for each shape, each budget; isoflop: for each budget, each shape)
};

struct SweepOptions {
  std::vector<std::string> sets;  // --set section.key=value on the base recipe (before the sweep's own)
  std::string run_root;           // overrides [sweep] run_root when not empty
};

// The [sweep] keys, in documentation order, with their meaning.
const std::vector<std::pair<std::string, std::string>>& sweep_keys();

SweepPlan parse_sweep(const std::string& text, const std::string& origin, const SweepOptions& options = {});
SweepPlan load_sweep(const std::string& path, const SweepOptions& options = {});

// A budget as a short name part: 200000 -> "2e5", 250000 -> "2.5e5", 1.25e12 -> "1.25e12".
std::string budget_tag(double value);

}  // namespace hone
