#pragma once
// Decoder-only causal LM batches from a PackedDataset: row b is one packed window of T+1 tokens, tokens
// = its first T, targets = its last T (every position carries loss). With segment_masks the rows also
// carry segment ids (1 + the window's document index), so attention and positions stay within each
// document; without, a window attends across document boundaries as GPT-2 and llm.c do.
// The cursor is the dataset's cursor. Buffers are reused once the previous batch is released, so a
// steady training loop allocates nothing here.
#include <string>

#include "data/packed_dataset.h"
#include "train/batch_source.h"

namespace hone {

struct CausalBatchSourceOptions {
  std::string dataset_dir;  // `hone tokenize` output
  int64_t sequence_length = 0;
  uint64_t seed = 0;
  bool shuffle = true;
  bool segment_masks = false;
  bool prefix = false;  // the model is a prefix-LM: add an all-zero prefix (plain causal attention)
};

class CausalBatchSource : public BatchSource {
 public:
  explicit CausalBatchSource(const CausalBatchSourceOptions& options);

  TrainingBatch next(int64_t batch_size) override;
  nlohmann::json save_cursor() const override;
  void restore_cursor(const nlohmann::json& cursor) override;

  const PackedDataset& dataset() const { return dataset_; }

 private:
  // A buffer of the shape, reusing the previous one when no batch still holds it.
  Tensor reuse(Tensor& cached, const Shape& shape, DType dtype);

  CausalBatchSourceOptions options_;
  PackedDataset dataset_;
  Tensor windows_, window_segments_;  // [B, T+1]
  Tensor tokens_, targets_, segments_, prefix_;
};

}  // namespace hone
