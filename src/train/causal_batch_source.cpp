#include "train/causal_batch_source.h"

#include "backend/elementwise.h"
#include "core/error.h"

namespace hone {

CausalBatchSource::CausalBatchSource(const CausalBatchSourceOptions& options)
    : options_(options),
      dataset_(PackedDataset::open_directory(options.dataset_dir,
                                             PackedDatasetOptions{options.sequence_length, options.seed, options.shuffle})) {}

Tensor CausalBatchSource::reuse(Tensor& cached, const Shape& shape, DType dtype) {
  // use_count 1: only this source holds the buffer, the caller has dropped the last batch.
  if (!cached.defined() || cached.shape() != shape || cached.storage().use_count() != 1) {
    cached = Tensor::empty(shape, dtype);
  }
  return cached;
}

TrainingBatch CausalBatchSource::next(int64_t batch_size) {
  HONE_CHECK(batch_size >= 1, "batch size ", batch_size, " must be at least 1");
  const int64_t T = options_.sequence_length, width = T + 1;
  Tensor windows = reuse(windows_, {batch_size, width}, DType::I32);
  Tensor window_segments = reuse(window_segments_, {batch_size, width}, DType::I32);
  int32_t* w = windows.data<int32_t>();
  int32_t* ws = window_segments.data<int32_t>();
  for (int64_t b = 0; b < batch_size; ++b) dataset_.next_window(w + b * width, ws + b * width);

  DecoderOnlyBatch batch;
  batch.tokens = reuse(tokens_, {batch_size, T}, DType::I32);
  batch.targets = reuse(targets_, {batch_size, T}, DType::I32);
  copy(windows.slice(1, 0, T), batch.tokens);
  copy(windows.slice(1, 1, width), batch.targets);
  if (options_.segment_masks) {
    batch.segments = reuse(segments_, {batch_size, T}, DType::I32);
    // Segment 0 means padding to the model, so documents count from 1.
    int32_t* s = batch.segments.data<int32_t>();
    for (int64_t b = 0; b < batch_size; ++b)
      for (int64_t t = 0; t < T; ++t) s[b * T + t] = ws[b * width + t] + 1;
  }
  if (options_.prefix) {
    batch.prefix = reuse(prefix_, {batch_size, T}, DType::I32);
    fill(batch.prefix, 0.0);
  }
  TrainingBatch out;
  out.tokens = batch_size * T;  // each position is one token trained on (input and target overlap by design)
  out.loss_tokens = batch_size * T;
  out.decoder_only = std::move(batch);
  return out;
}

nlohmann::json CausalBatchSource::save_cursor() const {
  return {{"source", "causal"}, {"segment_masks", options_.segment_masks}, {"dataset", dataset_.save_cursor()}};
}

void CausalBatchSource::restore_cursor(const nlohmann::json& cursor) {
  HONE_CHECK(cursor.is_object() && cursor.value("source", "") == "causal",
             "the saved data cursor is not a causal-LM cursor (", cursor.dump(), "): resume with the same objective");
  HONE_CHECK(cursor.value("segment_masks", false) == options_.segment_masks,
             "the saved data cursor was made with segment_masks = ", cursor.value("segment_masks", false),
             ": resume with the same [data] segment_masks");
  dataset_.restore_cursor(cursor.at("dataset"));
}

}  // namespace hone
