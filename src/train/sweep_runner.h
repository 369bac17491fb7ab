#pragma once
// Runs a SweepPlan (train/sweep_plan.h): every run in its own run directory, registered by the trainer
// (kind pretrain, name SWEEP/<run>, train.sweep = SWEEP in its config).
//
// - jobs = 1: the runs train one after another in this process (Trainer), each with all the threads.
// - jobs = K > 1: up to K `hone pretrain RUN_DIR/sweep_run.toml --threads T/K` subprocesses at once; the
//   resolved run recipe is written to RUN_DIR/sweep_run.toml and the child's output to RUN_DIR/train.log.
//
// Relaunching a sweep skips the runs already finished: a checkpoint at the run's budget (trainer state
// step >= planned steps), or, without a checkpoint, a finished registry run of that name with at least the
// planned tokens. An interrupted run resumes from its checkpoint (the trainer does that by itself). A run
// that fails is reported and the others still run.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "train/sweep_plan.h"
#include "train/trainer.h"

namespace hone {

enum class SweepRunOutcome { Trained, Skipped, Failed };

struct SweepRunSummary {
  std::string name;
  SweepRunOutcome outcome = SweepRunOutcome::Trained;
  std::string error;       // Failed: what went wrong
  int64_t params = 0;      // N
  int64_t steps = 0;       // steps done
  double tokens = 0;       // D seen
  double flops = 0;        // C (the trainer's count)
  std::optional<double> final_loss;  // mean training loss of the last log_every steps
  std::optional<double> eval_loss;   // last held-out loss
  int64_t registry_id = 0;           // the finished registry run, 0 when unknown or unregistered
};

struct SweepRunnerOptions {
  int64_t jobs = 0;     // 0: the plan's
  int64_t threads = 0;  // in all; 0: the plan's, else num_threads()
  std::filesystem::path hone_binary;  // for jobs > 1
  std::function<void(const std::string&)> log;  // one line per event (start, skip, finish, failure)
  std::function<void(const SweepRun&, const StepMetrics&, int64_t total_steps)> on_step;  // in-process runs
};

// True when the run is finished (see above); `registry_id` is set when the registry knows the run.
bool sweep_run_finished(const SweepRun& run, int64_t* registry_id = nullptr);

// What a run directory says about the run: steps, D and C from the checkpoint's trainer state, losses from
// metrics.jsonl, the registry id from the registry (finished runs of that name).
SweepRunSummary summarize_sweep_run(const SweepRun& run);

std::vector<SweepRunSummary> run_sweep(const SweepPlan& plan, const SweepRunnerOptions& options = {});

}  // namespace hone
