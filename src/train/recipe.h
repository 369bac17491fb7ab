#pragma once
// A pretraining recipe: the TOML file `hone pretrain` and `hone ul2r` read. Sections and keys, with
// their defaults and meaning, are listed in docs/training.md and by recipe_keys() (the one source of
// truth: parsing, defaults, the resolved file and the docs' table all come from it).
//
//   [model]      preset = "NAME" and/or explicit ModelConfig fields overriding it
//   [data]       train / eval datasets (`hone tokenize` output), sequence_length, batch_size, ...
//   [objective]  causal | t5 | ul2 | ul2r | flan and the denoising lengths
//   [flan]       the instruction mixture of objective flan: tasks, held-out clusters, cap, renderings
//   [optimizer]  adamw | adafactor, weight_decay, max_grad_norm; [optimizer.adamw], [optimizer.adafactor]
//   [schedule]   constant | cosine | linear | inverse_sqrt, peak_lr, warmup_steps, ...
//   [train]      budget (max_steps | max_tokens | flops_fraction), seed, eval/checkpoint/log cadence,
//                run_dir, registry, name, threads
//
// An unknown section or key, a value of the wrong type or out of range is a usage hone::Error naming it
// and listing what is valid. `--set section.key=value` overrides a key (the value is parsed as TOML; a
// bare word is taken as a string). The resolved recipe (every key, defaults filled in) is what a run
// directory keeps as recipe.toml and what a resume compares against.
#include <cstdint>
#include <optional>
#include <string>
#include <toml++/toml.h>
#include <vector>

#include "model/config.h"
#include "train/adafactor.h"
#include "train/adamw.h"
#include "train/schedule.h"

namespace hone {

enum class RecipeValueKind { Bool, Integer, Float, String, FloatArray, StringArray };

// One key of the recipe schema.
struct RecipeKey {
  std::string section;        // "data", "optimizer.adamw", ...
  std::string name;           // "batch_size"
  RecipeValueKind kind;
  std::string default_value;  // as TOML ("8", "\"adamw\"", "[]"); empty for [model] fields (from the preset)
  std::string meaning;        // one line for docs and messages
};

// Every key, in documentation order.
const std::vector<RecipeKey>& recipe_keys();
// The sections, in documentation order.
std::vector<std::string> recipe_sections();

struct RecipeData {
  std::string train;      // dataset directory (required)
  std::string eval;       // held-out dataset directory; empty: no held-out loss
  std::string tokenizer;  // tokenizer directory copied into checkpoints; empty: the dataset's, if it exists
  int64_t sequence_length = 512;
  int64_t batch_size = 8;  // sequences per micro-batch
  int64_t grad_accumulation = 1;
  bool shuffle = true;
  bool segment_masks = false;
};

struct RecipeObjective {
  std::string name = "causal";  // causal | t5 | ul2 | ul2r | flan
  std::vector<double> rates;    // mixture rates; empty: the preset's
  int64_t inputs_length = 512;
  int64_t targets_length = 114;
  std::string mode_tokens = "text";         // text | reserved | none
  std::string sentinel_overflow = "error";  // error | wrap
};

struct RecipeOptimizer {
  std::string name = "adamw";  // adamw | adafactor
  double weight_decay = 0.0;
  double max_grad_norm = 1.0;  // 0: no clipping
  AdamWConfig adamw;           // max_grad_norm and weight_decay copied in; clipping is the trainer's
  AdafactorConfig adafactor;   // weight_decay copied in
};

// The Flan instruction mixture (objective flan; tasks/instruction_mixture.h).
struct RecipeFlan {
  std::vector<std::string> tasks;  // task names or .toml paths; empty: every bundled task outside held_out_clusters
  std::vector<std::string> held_out_clusters;
  int64_t cap = 3000;
  double zero_shot = 0.5, few_shot = 0.25, chain_of_thought = 0.25;
  int64_t shots = 3;
  bool prefix_attention = true;  // decoder-only: prefix LM; false: causal with a loss mask
  uint64_t split_seed = 0;       // task splits; must equal `hone eval --split-seed` (both default 0)
};

// Which budget the recipe sets; exactly one.
enum class BudgetKind { Steps, Tokens, FlopsFraction };

struct RecipeTrain {
  BudgetKind budget = BudgetKind::Steps;
  int64_t max_steps = 0;
  int64_t max_tokens = 0;
  double flops_fraction = 0.0;
  double pretraining_flops = 0.0;  // 0: from the --init checkpoint's trainer state
  uint64_t seed = 1234;
  int64_t eval_every = 100;
  int64_t eval_batches = 8;
  int64_t checkpoint_every = 500;
  int64_t log_every = 10;
  std::string run_dir;   // empty: runs/<name>
  std::string registry;  // empty: the default registry; "none": do not record
  std::string name;      // empty: the recipe file's stem
  int64_t threads = 0;   // 0: all cores (or --threads / HONE_THREADS)
};

struct PretrainRecipe {
  std::string origin;  // the file, for messages
  // The [model] section: a preset name and/or fields. model_given is false without any [model] key
  // (then the model comes from --init). model is the resolved config when model_given.
  bool model_given = false;
  std::string model_preset;
  std::vector<std::string> model_keys_given;  // explicit [model] keys (not "preset")
  std::optional<ModelConfig> model;

  RecipeData data;
  RecipeObjective objective;
  RecipeFlan flan;
  RecipeOptimizer optimizer;
  LearningRateSchedule schedule;  // total_steps 0 here: the trainer sets it from the budget
  RecipeTrain train;

  toml::table resolved;  // every key with its value; [model] only when model_given

  // The resolved recipe as TOML text (RUN_DIR/recipe.toml).
  std::string to_toml() const;
  // The run directory: train.run_dir, else runs/<train.name>.
  std::string run_dir() const;
};

// Defaults that a command changes (`hone ul2r`: objective.name = "ul2r", train.flops_fraction = 0.01),
// as "section.key=value" strings applied before the file.
struct RecipeOptions {
  std::vector<std::string> defaults;
  std::vector<std::string> sets;  // --set overrides, applied after the file
};

PretrainRecipe parse_recipe(const std::string& text, const std::string& origin, const RecipeOptions& options = {});
PretrainRecipe load_recipe(const std::string& path, const RecipeOptions& options = {});

// Keys whose value differs between two resolved recipes ("optimizer.adamw.beta2"), ignoring those a
// resumed run may change: the budget (train.max_steps, max_tokens, flops_fraction, pretraining_flops)
// and the keys that do not change the trajectory (train.eval_every, eval_batches, checkpoint_every,
// log_every, run_dir, registry, name, threads).
std::vector<std::string> recipe_differences(const toml::table& saved, const toml::table& current);

// [model] fields of a config as a TOML table (every field), and the names of those that differ.
toml::table model_fields(const ModelConfig& config);
std::vector<std::string> model_differences(const ModelConfig& a, const ModelConfig& b,
                                           const std::vector<std::string>& only = {});

}  // namespace hone
