#pragma once
// The training loop of `hone pretrain` and `hone ul2r`: a LanguageModel, an optimizer (AdamW or
// Adafactor), a learning-rate schedule and a BatchSource, driven by a PretrainRecipe.
//
// One step: grad_accumulation micro-batches of batch_size rows; the step's loss is the token-weighted
// mean over all of them (each micro-batch's gradient is weighted by its share of the loss tokens);
// global-norm clipping (max_grad_norm); a non-finite loss or gradient norm skips the update with a
// warning (the step still counts and its data is consumed; `skipped` in the metrics). Every eval_every
// steps and at the end: held-out loss and perplexity over eval_batches batches. Every checkpoint_every
// steps and at the end: RUN_DIR/checkpoint (weights, config, tokenizer, optimizer state, trainer state
// with the data cursor), written atomically.
//
// Run directory: recipe.toml (resolved), metrics.jsonl (one JSON object per step), checkpoint/.
// When RUN_DIR/checkpoint exists and resume is on, the run continues from it: the recipe must equal the
// saved one except for the budget and the keys that do not change the trajectory (recipe_differences);
// steps after the checkpoint are dropped from metrics.jsonl. The continuation is bit-identical to a run
// that never stopped (same recipe, same thread count).
//
// The trainer is independent of the CLI: progress goes to a callback.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/language_model.h"
#include "train/batch_source.h"
#include "train/recipe.h"

namespace hone {

namespace scaling {
class RunRegistry;
}
class AdamW;
class Adafactor;
class ArenaSet;

struct StepMetrics {
  int64_t step = 0;       // 1-based: the number of steps done
  double loss = 0.0;      // token-weighted mean over the step's micro-batches
  double lr = 0.0;        // learning rate used (Adafactor relative step: rho_t)
  double grad_norm = 0.0;  // global norm before clipping
  int64_t tokens = 0;     // training tokens seen so far (this run, including resumed steps)
  double tokens_per_second = 0.0;
  double gflops_per_second = 0.0;  // achieved, from the shape_stats FLOP count of the step
  double flops = 0.0;     // training FLOPs so far (this run)
  std::optional<double> eval_loss;
  bool skipped = false;
  double elapsed_seconds = 0.0;  // wall time of this process's steps
};

struct TrainerOptions {
  std::string kind = "pretrain";  // the run registry's kind: pretrain | ul2r
  std::filesystem::path init;     // --init: a hone checkpoint or Hugging Face directory; empty: none
  bool resume = true;             // continue from RUN_DIR/checkpoint when it exists
  int64_t stop_after = 0;         // > 0: stop (with a checkpoint) once this many steps are done
  std::function<void(const StepMetrics&, int64_t total_steps)> on_step;  // after every step
  // Called after the gradients of a step are complete, before clipping (tests inject NaN here).
  std::function<void(ParameterStore&, int64_t step)> after_backward;
};

struct TrainResult {
  int64_t steps = 0;
  int64_t total_steps = 0;
  int64_t tokens = 0;
  double flops = 0.0;              // this run's training FLOPs (C)
  double pretraining_flops = 0.0;  // flops + the --init model's, as saved in the checkpoint
  double final_loss = 0.0;         // mean training loss over the last log_every steps
  std::optional<double> final_eval_loss;
  int64_t skipped_steps = 0;
  bool resumed = false;
  int64_t resumed_from_step = 0;
  std::vector<StepMetrics> history;  // the steps run by this process
};

class Trainer {
 public:
  // Builds or loads the model (from the recipe, --init, or the run's checkpoint), the optimizer and the
  // data; writes RUN_DIR/recipe.toml. Throws hone::Error for a bad recipe or checkpoint.
  Trainer(PretrainRecipe recipe, TrainerOptions options = {});
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // Trains to the budget (or options.stop_after), evaluating, checkpointing and recording the run in
  // the registry (status "failed" if an exception escapes).
  TrainResult run();
  // One optimizer step (no evaluation, no checkpoint).
  StepMetrics step();
  // Held-out loss over eval_batches batches of data.eval.
  double evaluate();
  // Writes RUN_DIR/checkpoint now.
  void save_checkpoint();

  LanguageModel& model() { return *model_; }
  const PretrainRecipe& recipe() const { return recipe_; }
  int64_t steps_done() const { return step_; }
  int64_t total_steps() const { return total_steps_; }
  const LearningRateSchedule& schedule() const { return schedule_; }
  const std::filesystem::path& run_dir() const { return run_dir_; }
  std::filesystem::path checkpoint_dir() const { return run_dir_ / "checkpoint"; }
  bool resumed() const { return resumed_from_ > 0 || resumed_; }

 private:
  void build_optimizer();
  void resolve_budget();
  void resume_from_checkpoint();
  void truncate_metrics();
  void write_metrics(const StepMetrics& m);
  double step_flops(const TrainingBatch& batch);
  double forward_backward(const TrainingBatch& batch, Arena& arena, double* weight);
  Arena& arena_for(const TrainingBatch& batch);

  PretrainRecipe recipe_;
  TrainerOptions options_;
  std::filesystem::path run_dir_;
  std::filesystem::path tokenizer_dir_;
  std::unique_ptr<LanguageModel> model_;
  std::unique_ptr<AdamW> adamw_;
  std::unique_ptr<Adafactor> adafactor_;
  std::unique_ptr<BatchSource> train_source_;
  std::unique_ptr<BatchSource> eval_source_;
  nlohmann::json eval_start_;
  std::unique_ptr<ArenaSet> arenas_;
  LearningRateSchedule schedule_;
  int64_t total_steps_ = 0;
  int64_t step_ = 0;
  int64_t tokens_ = 0;
  double flops_ = 0.0;
  double init_pretraining_flops_ = 0.0;
  int64_t skipped_ = 0;
  int64_t registry_run_ = 0;
  int64_t resumed_from_ = 0;
  bool resumed_ = false;
  double elapsed_ = 0.0;
  std::vector<double> recent_losses_;
};

}  // namespace hone
