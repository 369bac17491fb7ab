#pragma once
// The engine demo: a small decoder-only transformer learns to copy or reverse random strings, trained
// from scratch with AdamW until the loss is near zero, then checked by greedy decoding on held-out
// strings. Everything is generated, so it runs anywhere in a minute or two on 2 CPU cores.
#include <functional>
#include <string>
#include <vector>

#include "model/decoder_only.h"
#include "tasks/sequence_tasks.h"

namespace hone {

// Llama style: d_model 64, 2 layers, 4 heads of 16, d_ff 256; vocab_size left 0.
ModelConfig default_demo_model();

struct SequenceDemoOptions {
  SequenceTaskSpec task{SequenceTask::Mixed, 8, 16, -100};
  ModelConfig model = default_demo_model();  // vocab filled in from the task
  int64_t batch = 32;
  int64_t max_steps = 3000;
  double peak_lr = 3e-3;
  int64_t warmup_steps = 100;
  double weight_decay = 0.01;
  double target_loss = 0.01;  // stop once the running mean loss is below this
  uint64_t seed = 1234;
  int64_t eval_examples = 256;
  std::string metrics_path;  // JSONL, one line per step; empty: none
};

struct SequenceDemoProgress {
  int64_t step = 0;
  int64_t max_steps = 0;
  double loss = 0.0;          // this step
  double smoothed_loss = 0.0;  // running mean
  double lr = 0.0;
  double grad_norm = 0.0;
  double tokens_per_second = 0.0;
  double elapsed_seconds = 0.0;
  int64_t tokens = 0;  // training tokens seen so far (the run registry's D)
};

struct SequenceDemoSample {
  std::string prompt, expected, generated;
};

struct SequenceDemoResult {
  int64_t steps = 0;
  double final_loss = 0.0;
  bool converged = false;
  double exact_match = 0.0;  // held-out strings generated exactly right (greedy)
  double token_accuracy = 0.0;
  double seconds = 0.0;
  int64_t parameters = 0;
  int64_t parameters_non_embedding = 0;  // without the token embedding
  int64_t tokens = 0;                    // training tokens seen
  std::vector<SequenceDemoSample> samples;
};

SequenceDemoResult run_sequence_demo(const SequenceDemoOptions& options,
                                     const std::function<void(const SequenceDemoProgress&)>& on_progress);

}  // namespace hone
