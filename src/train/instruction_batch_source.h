#pragma once
// Training batches of the Flan instruction mixture (tasks/instruction_mixture.h) for either family:
// mixture example k is rendered, tokenized (inputs + EOS, targets + EOS) and packed like every other
// example-based source (train/example_batches.h): Flan-T5 style rows for an encoder-decoder, prefix-LM
// (or causal with a loss mask) rows for a decoder-only model. Tokens never attend across examples and
// only targets carry loss.
//
// Few-shot prompts are pruned to the input budget by the renderer (exemplars dropped from the front);
// what still does not fit is trimmed as seqio trims (the start is kept, EOS may be cut). The cursor is
// the index of the first example not yet in a returned batch; examples are pure functions of their
// index, so a restored source yields identical batches.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "tasks/instruction_mixture.h"
#include "tokenize/tokenizer.h"
#include "train/batch_source.h"
#include "train/example_batches.h"

namespace hone {

struct InstructionSourceOptions {
  tasks::InstructionMixtureOptions mixture;  // count_tokens and max_input_tokens are set from the tokenizer/layout
  std::string tokenizer_dir;
  ExampleRowLayout layout;
  // Decoder-only: the share of a row the inputs may use before trimming (targets get the rest).
  double decoder_only_input_share = 0.75;
};

class InstructionBatchSource : public BatchSource {
 public:
  explicit InstructionBatchSource(InstructionSourceOptions options);

  TrainingBatch next(int64_t batch_size) override;
  nlohmann::json save_cursor() const override;
  void restore_cursor(const nlohmann::json& cursor) override;

  // The tokenized example k (what next() packs).
  objectives::DenoisedExample example(uint64_t index) const;
  const tasks::InstructionMixture& mixture() const { return *mixture_; }
  // Examples per mixture task in the batches returned since construction or the last restore.
  const std::vector<int64_t>& examples_per_task() const { return examples_per_task_; }

 private:
  objectives::DenoisedExample tokenized(const tasks::MixtureExample& example) const;
  nlohmann::json identity() const;

  InstructionSourceOptions options_;
  Tokenizer tokenizer_;
  std::unique_ptr<tasks::InstructionMixture> mixture_;
  int64_t input_limit_ = 0, target_limit_ = 0;
  uint64_t next_index_ = 0;  // the next example to draw
  std::optional<objectives::DenoisedExample> pending_;
  uint64_t pending_index_ = 0;
  size_t pending_task_ = 0;
  std::vector<int64_t> examples_per_task_;
};

}  // namespace hone
