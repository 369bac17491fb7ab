// `hone scale sweep RECIPE.toml`: plan a sweep of pretraining runs (train/sweep_plan.h), run the ones not
// finished yet (train/sweep_runner.h), print a table of N, D, C and losses, and with --fit the Chinchilla
// fit of the sweep's runs (the `hone scale fit --runs` code path).
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/scale_subcommands.h"
#include "core/error.h"
#include "core/threads.h"
#include "train/sweep_runner.h"

namespace hone::cli {
namespace {

struct SweepArgs {
  std::string recipe;
  std::vector<std::string> sets;
  std::string run_root;
  std::string registry;
  int64_t jobs = 0;
  int threads = 0;
  bool dry_run = false;
  bool fit = false;
  size_t bootstrap = 4000;
  uint64_t seed = 0;
  std::string fit_json;
};

std::string toml_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string loss_text(const std::optional<double>& loss) {
  if (!loss) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.4f", *loss);
  return text;
}

void print_plan(const SweepPlan& plan) {
  std::printf("sweep %s (%s, %zu runs) from %s\n\n", plan.name.c_str(), plan.mode == SweepMode::Grid ? "grid" : "isoflop",
              plan.runs.size(), plan.origin.c_str());
  std::printf("  %-32s %10s %7s %10s %10s  %s\n", "run", "N", "steps", "D", "C", "run directory");
  for (const SweepRun& run : plan.runs) {
    std::printf("  %-32s %10ld %7ld %10.3g %10.3g  %s\n", run.name.c_str(), static_cast<long>(run.params),
                static_cast<long>(run.steps), static_cast<double>(run.tokens), run.flops, run.run_dir.c_str());
  }
}

void print_results(const std::vector<SweepRunSummary>& results) {
  std::printf("\n  %-32s %10s %10s %10s %10s %10s  %s\n", "run", "N", "D", "C", "final loss", "held-out", "status");
  for (const SweepRunSummary& r : results) {
    const char* status = r.outcome == SweepRunOutcome::Trained ? "trained"
                         : r.outcome == SweepRunOutcome::Skipped ? "skipped (finished)"
                                                                 : "FAILED";
    std::printf("  %-32s %10ld %10.4g %10.4g %10s %10s  %s\n", r.name.c_str(), static_cast<long>(r.params), r.tokens, r.flops,
                loss_text(r.final_loss).c_str(), loss_text(r.eval_loss).c_str(), status);
  }
}

void run_sweep_command(const SweepArgs& args) {
  if (args.threads > 0) set_num_threads(args.threads);
  SweepOptions options;
  options.sets = args.sets;
  if (!args.registry.empty()) options.sets.push_back("train.registry=" + toml_string(args.registry));
  options.run_root = args.run_root;
  const SweepPlan plan = load_sweep(args.recipe, options);
  print_plan(plan);
  if (args.dry_run) return;
  std::printf("\n");
  std::fflush(stdout);

  SweepRunnerOptions runner;
  runner.jobs = args.jobs;
  runner.threads = args.threads;
  std::error_code error;
  runner.hone_binary = std::filesystem::read_symlink("/proc/self/exe", error);
  runner.log = [](const std::string& line) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  };
  // In-process runs show the trainer's progress line, one per run.
  auto progress = std::make_shared<std::unique_ptr<ProgressLine>>();
  auto current = std::make_shared<std::string>();
  runner.on_step = [progress, current](const SweepRun& run, const StepMetrics& m, int64_t total) {
    if (*current != run.name || !*progress) {
      if (*progress) (*progress)->finish();
      *progress = std::make_unique<ProgressLine>(run.recipe.train.log_every);
      *current = run.name;
    }
    char status[160];
    std::snprintf(status, sizeof status, "loss %.4f lr %.2e | %.0f tok/s", m.loss, m.lr, m.tokens_per_second);
    (*progress)->update(m.step, total, m.elapsed_seconds, status);
    if (m.step == total) {
      (*progress)->finish();
      progress->reset();
    }
  };
  const std::vector<SweepRunSummary> results = run_sweep(plan, runner);
  if (*progress) (*progress)->finish();
  print_results(results);

  size_t failures = 0;
  std::string ids;
  for (const SweepRunSummary& r : results) {
    if (r.outcome == SweepRunOutcome::Failed) ++failures;
    if (r.registry_id > 0) ids += (ids.empty() ? "" : ", ") + std::to_string(r.registry_id);
  }
  std::printf("\nthe sweep's runs in the registry: hone runs list --where \"name LIKE '%s/%%'\"\n", plan.name.c_str());
  if (args.fit) {
    if (ids.empty()) {
      fail_usage("--fit: none of the sweep's runs is a finished run in the registry (is train.registry \"none\"?)");
    }
    std::printf("\n");
    std::fflush(stdout);
    const std::string registry = plan.runs.front().recipe.train.registry;
    fit_registry_runs("id IN (" + ids + ")", registry, args.bootstrap, args.seed, args.fit_json);
  }
  if (failures > 0) fail(failures, " of ", results.size(), " sweep runs failed (see above); relaunch to retry them");
}

}  // namespace

void register_scale_sweep(CLI::App& scale) {
  auto args = std::make_shared<SweepArgs>();
  CLI::App* sweep = add_command(scale, "sweep",
                                "Run a grid or IsoFLOP sweep of pretraining runs from one recipe (finished runs are skipped)",
                                [args] { run_sweep_command(*args); });
  sweep->add_option("recipe", args->recipe, "Sweep recipe: a pretraining recipe plus [sweep] (see docs/scaling.md)")->required();
  sweep->add_option("--set", args->sets, "Override a base recipe key: section.key=value (value as TOML); repeatable")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  sweep->add_option("--run-root", args->run_root, "Run directories go to RUN_ROOT/NAME/<run> (default: [sweep] run_root, else runs)");
  sweep->add_option("--registry", args->registry, "Run registry path for every run (\"none\": do not record)");
  sweep->add_option("--jobs", args->jobs, "Runs at once; more than 1 runs `hone pretrain` processes (default: [sweep] jobs, else 1)")
      ->check(CLI::Range(int64_t{1}, int64_t{256}));
  sweep->add_option("--threads", args->threads, "Threads in all, split between the jobs (default: [sweep] threads, else all)")
      ->check(CLI::Range(1, 4096));
  sweep->add_flag("--dry-run", args->dry_run, "Print the planned runs and stop");
  sweep->add_flag("--fit", args->fit, "Fit L(N, D) = E + A/N^alpha + B/D^beta to the sweep's finished runs afterwards");
  sweep->add_option("--bootstrap", args->bootstrap, "Bootstrap resamples of the --fit (0: none)")->capture_default_str();
  sweep->add_option("--seed", args->seed, "Seed of the --fit bootstrap")->capture_default_str();
  sweep->add_option("--fit-json", args->fit_json, "Write the --fit as JSON here");
}

}  // namespace hone::cli
