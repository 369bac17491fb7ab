// `hone pretrain RECIPE.toml`, `hone ul2r --init DIR RECIPE.toml` and `hone flan --init DIR RECIPE.toml`:
// the trainer (src/train/trainer.h)
// driven by a recipe (src/train/recipe.h), with a progress line and a closing summary.
#include <cmath>
#include <cstdio>

#include "cli/commands.h"
#include "cli/progress.h"
#include "core/threads.h"
#include "train/trainer.h"

namespace hone::cli {
namespace {

struct PretrainArgs {
  std::string recipe;
  std::vector<std::string> sets;
  std::string init;
  std::string run_dir;
  std::string registry;
  bool no_resume = false;
  int threads = 0;
  int64_t stop_after = 0;
};

// A TOML string literal (paths may hold quotes or backslashes).
std::string toml_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

void run_training(const PretrainArgs& args, const std::string& kind, const std::vector<std::string>& defaults) {
  RecipeOptions options;
  options.defaults = defaults;
  options.sets = args.sets;
  if (!args.run_dir.empty()) options.sets.push_back("train.run_dir=" + toml_string(args.run_dir));
  if (!args.registry.empty()) options.sets.push_back("train.registry=" + toml_string(args.registry));
  if (args.threads > 0) options.sets.push_back("train.threads=" + std::to_string(args.threads));
  PretrainRecipe recipe = load_recipe(args.recipe, options);

  TrainerOptions trainer_options;
  trainer_options.kind = kind;
  trainer_options.init = args.init;
  trainer_options.resume = !args.no_resume;
  trainer_options.stop_after = args.stop_after;
  ProgressLine progress(recipe.train.log_every);
  trainer_options.on_step = [&progress](const StepMetrics& m, int64_t total) {
    char status[200];
    int n = std::snprintf(status, sizeof status, "loss %.4f lr %.2e |g| %.3g | %.0f tok/s %.2f GFLOP/s", m.loss, m.lr,
                          m.grad_norm, m.tokens_per_second, m.gflops_per_second);
    if (m.eval_loss && n > 0 && n < static_cast<int>(sizeof status)) {
      std::snprintf(status + n, sizeof status - n, " | eval %.4f (ppl %.1f)", *m.eval_loss, std::exp(*m.eval_loss));
    }
    progress.update(m.step, total, m.elapsed_seconds, status);
  };
  Trainer trainer(std::move(recipe), trainer_options);
  const ModelConfig& config = trainer.model().config();
  std::printf("hone %s: %s\n  %ld parameters, %d threads, run directory %s%s\n", kind.c_str(), describe(config).c_str(),
              static_cast<long>(trainer.model().params().numel()), num_threads(), trainer.run_dir().c_str(),
              trainer.resumed() ? (", resuming at step " + std::to_string(trainer.steps_done())).c_str() : "");
  std::fflush(stdout);
  TrainResult result = trainer.run();
  progress.finish();
  std::printf("\n%ld/%ld steps, %ld tokens, %.3g FLOPs; final loss %.4f", static_cast<long>(result.steps),
              static_cast<long>(result.total_steps), static_cast<long>(result.tokens), result.flops, result.final_loss);
  if (result.final_eval_loss) {
    std::printf(", held-out loss %.4f (perplexity %.2f)", *result.final_eval_loss, std::exp(*result.final_eval_loss));
  }
  if (result.skipped_steps > 0) std::printf(", %ld steps skipped (non-finite)", static_cast<long>(result.skipped_steps));
  std::printf("\ncheckpoint: %s\nmetrics: %s\n", trainer.checkpoint_dir().c_str(),
              (trainer.run_dir() / "metrics.jsonl").c_str());
}

void add_common_options(CLI::App* command, PretrainArgs& args) {
  command->add_option("--set", args.sets, "Override a recipe key: section.key=value (value as TOML); repeatable")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  command->add_option("--run-dir", args.run_dir, "Run directory (default: train.run_dir, else runs/<name>)");
  command->add_option("--registry", args.registry, "Run registry path (\"none\": do not record)");
  command->add_flag("--no-resume", args.no_resume, "Start over even if the run directory has a checkpoint");
  command->add_option("--threads", args.threads, "Threads for BLAS and kernels (default: train.threads, else all)")
      ->check(CLI::Range(1, 4096));
  command->add_option("--stop-after", args.stop_after, "Stop (with a checkpoint) after this many steps; resume later")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
}

}  // namespace

void register_pretrain(CLI::App& app) {
  auto pretrain = std::make_shared<PretrainArgs>();
  CLI::App* command = add_command(app, "pretrain", "Train a model from a recipe (TOML); resumes a run automatically",
                                  [pretrain] { run_training(*pretrain, "pretrain", {}); });
  command->add_option("recipe", pretrain->recipe, "Recipe file (TOML; see docs/training.md)")->required();
  command->add_option("--init", pretrain->init, "Start from a hone checkpoint or Hugging Face directory");
  add_common_options(command, *pretrain);

  auto ul2r = std::make_shared<PretrainArgs>();
  CLI::App* continued = add_command(
      app, "ul2r", "Continue a causal LM with the UL2R mixture of denoisers (default budget: 1% of its pretraining FLOPs)",
      [ul2r] { run_training(*ul2r, "ul2r", {"objective.name=\"ul2r\"", "train.flops_fraction=0.01"}); });
  continued->add_option("recipe", ul2r->recipe, "Recipe file (TOML; see docs/training.md)")->required();
  continued->add_option("--init", ul2r->init, "The model to continue: a hone checkpoint or Hugging Face directory")
      ->required();
  add_common_options(continued, *ul2r);

  auto flan = std::make_shared<PretrainArgs>();
  CLI::App* instruct = add_command(
      app, "flan", "Finetune a model on the Flan instruction mixture ([flan] section; tokenizer from the --init directory)",
      [flan] {
        run_training(*flan, "flan", {"objective.name=\"flan\"", "data.tokenizer=" + toml_string(flan->init)});
      });
  instruct->add_option("recipe", flan->recipe, "Recipe file (TOML; see docs/training.md)")->required();
  instruct->add_option("--init", flan->init, "The model to finetune: a hone checkpoint or Hugging Face directory")
      ->required();
  add_common_options(instruct, *flan);
}

}  // namespace hone::cli
