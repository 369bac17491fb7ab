#pragma once
// `hone curate run`: a PipelineConfig over a list of inputs, split into N tasks so that the same
// program runs as threads on one machine, as a Slurm array or as MPI ranks on many.
//
// Work is cut into phases; every task of a phase must finish before the next phase starts:
//   documents           task i of N owns inputs[i::N] (inputs sorted): reader -> per-document stages
//                       -> one JSONL.zst shard per input
//   minhash-signatures  +
//   minhash-buckets     |  MinHash (src/curate/minhash_stages.h) over the previous phase's shards;
//   minhash-clusters    |  clusters is one task (task 0)
//   minhash-filter      +  task i of N owns shards[i::N]
//   exact-dedup         consecutive shards grouped by size into batches (data-defined, not by N);
//                       task i of N owns batches[i::N]
// Shard k of every phase holds what is left of input k, so outputs do not depend on N.
//
// Output directory:
//   pipeline.json                       the resolved pipeline, inputs and N (a relaunch must match)
//   output/<k>.jsonl.zst                the curated documents (the last phase writes here)
//   work/<phase>/...                    intermediate shards and MinHash files
//   rejected/<stage>/<k>.jsonl.zst      dropped documents with metadata.rejected = {stage, reason}
//   stats/<phase>-<i>-of-<N>.json       per-task FilterStats of every stage
//   done/<phase>-<i>-of-<N>             written last: a relaunch skips tasks that have one
// Every file is written under a temporary name and renamed when complete.
#include <functional>
#include <string>
#include <vector>

#include "curate/filter_stats.h"
#include "curate/pipeline_config.h"

namespace hone::curate {

struct PipelineRunOptions {
  std::vector<std::string> inputs;  // files, or directories (every regular file below, recursively)
  std::string output_dir;
  int tasks = 0;    // N; 0: one per worker thread
  int threads = 0;  // worker threads for local runs; 0: hone::num_threads()
};

// What one task of one phase did.
struct PipelineTaskReport {
  std::string phase;
  int task = 0;
  int tasks = 1;
  bool skipped = false;  // its done-marker existed
  double seconds = 0;
  std::vector<std::string> inputs;  // the inputs whose documents this task handled
  std::vector<std::pair<std::string, FilterStats>> stages;  // stage name -> stats (empty when skipped)
};

class PipelineRunner {
 public:
  // Expands and sorts the inputs and records (or, on a relaunch, checks) DIR/pipeline.json.
  PipelineRunner(PipelineConfig config, PipelineRunOptions options);

  const std::vector<std::string>& inputs() const { return inputs_; }
  int tasks() const { return tasks_; }
  const std::vector<std::string>& phases() const { return phases_; }
  // How many tasks a phase has: 1 for minhash-clusters, N otherwise.
  int phase_tasks(const std::string& phase) const;
  bool task_done(const std::string& phase, int task) const;
  bool phase_done(const std::string& phase) const;
  // Where the curated documents end up, one shard per input.
  std::string output_dir() const;
  std::string output_shard(std::size_t input_index) const;

  // One task of one phase; a task index >= phase_tasks(phase) does nothing (reported as skipped).
  PipelineTaskReport run_task(const std::string& phase, int task);
  // Every phase on this machine: the tasks of a phase on `threads` worker threads (MinHash's
  // signature/bucket/cluster tasks one after another, each using every OpenMP thread).
  void run_all(const std::function<void(const PipelineTaskReport&)>& on_task = {});
  // Task `task` through every phase, waiting at each barrier until all tasks of the previous phase
  // have their done-marker (for mpirun ranks that run concurrently; for Slurm arrays prefer one job
  // per phase with run_task and afterok dependencies).
  void run_task_all_phases(int task, const std::function<void(const PipelineTaskReport&)>& on_task = {},
                           double poll_seconds = 1.0);

 private:
  std::string phase_dir(const std::string& phase) const;
  std::string shard_in(const std::string& phase, std::size_t index) const;
  std::string previous_document_phase(const std::string& phase) const;
  PipelineTaskReport run_documents(int task);
  PipelineTaskReport run_minhash(const std::string& phase, int task);
  PipelineTaskReport run_minhash_filter(int task);
  PipelineTaskReport run_exact_dedup(int task);
  void finish_task(PipelineTaskReport& report) const;

  PipelineConfig config_;
  std::string dir_;
  std::vector<std::string> inputs_;
  int tasks_ = 1;
  int threads_ = 1;
  std::vector<std::string> phases_;
};

// Merges every stats/*.json under `dir` into one FilterStats per stage, in pipeline order ("reader"
// first). Also reports how many tasks have finished.
struct PipelineStatsSummary {
  std::vector<std::pair<std::string, FilterStats>> stages;
  int tasks_done = 0;
  int tasks_expected = 0;
  nlohmann::json to_json() const;
};
PipelineStatsSummary merge_pipeline_stats(const std::string& dir);

}  // namespace hone::curate
