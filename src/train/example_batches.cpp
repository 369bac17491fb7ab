#include "train/example_batches.h"

#include <algorithm>

#include "core/error.h"
#include "objectives/packing.h"

namespace hone {
namespace {

using objectives::DenoisedExample;

void count_row(const std::vector<int32_t>& segment_ids, const std::vector<int32_t>& loss_weights, TrainingBatch& batch) {
  for (int32_t segment : segment_ids) batch.tokens += segment != 0;
  for (int32_t weight : loss_weights) batch.loss_tokens += weight;
}

void copy_row(const std::vector<int32_t>& values, Tensor& tensor, int64_t row) {
  const int64_t width = tensor.size(1);
  HONE_CHECK(static_cast<int64_t>(values.size()) == width, "example batches: internal error, a row of ",
             values.size(), " values for width ", width);
  if (tensor.dtype() == DType::F32) {
    float* out = tensor.data<float>() + row * width;
    for (int64_t i = 0; i < width; ++i) out[i] = static_cast<float>(values[i]);
  } else {
    std::copy(values.begin(), values.end(), tensor.data<int32_t>() + row * width);
  }
}

TrainingBatch encoder_decoder_batch(const ExampleRowLayout& layout, const std::vector<std::vector<DenoisedExample>>& rows) {
  const auto batch_size = static_cast<int64_t>(rows.size());
  const int64_t S = layout.inputs_length, T = layout.targets_length;
  EncoderDecoderBatch b;
  b.encoder_input_tokens = Tensor::empty({batch_size, S}, DType::I32);
  b.encoder_segment_ids = Tensor::empty({batch_size, S}, DType::I32);
  b.encoder_positions = Tensor::empty({batch_size, S}, DType::I32);
  b.decoder_input_tokens = Tensor::empty({batch_size, T}, DType::I32);
  b.decoder_target_tokens = Tensor::empty({batch_size, T}, DType::I32);
  b.decoder_loss_weights = Tensor::empty({batch_size, T}, DType::F32);
  b.decoder_segment_ids = Tensor::empty({batch_size, T}, DType::I32);
  b.decoder_positions = Tensor::empty({batch_size, T}, DType::I32);
  TrainingBatch batch;
  for (int64_t r = 0; r < batch_size; ++r) {
    const auto packed = objectives::pack_encoder_decoder(rows[r], S, T);
    HONE_CHECK(packed.size() == 1, "example batches: internal error, one row's examples packed into ", packed.size(), " rows");
    const objectives::EncoderDecoderRow& row = packed.front();
    copy_row(row.encoder_input_tokens, b.encoder_input_tokens, r);
    copy_row(row.encoder_segment_ids, b.encoder_segment_ids, r);
    copy_row(row.encoder_positions, b.encoder_positions, r);
    copy_row(row.decoder_input_tokens, b.decoder_input_tokens, r);
    copy_row(row.decoder_target_tokens, b.decoder_target_tokens, r);
    copy_row(row.decoder_loss_weights, b.decoder_loss_weights, r);
    copy_row(row.decoder_segment_ids, b.decoder_segment_ids, r);
    copy_row(row.decoder_positions, b.decoder_positions, r);
    count_row(row.encoder_segment_ids, {}, batch);
    count_row(row.decoder_segment_ids, row.decoder_loss_weights, batch);
  }
  batch.encoder_decoder = std::move(b);
  return batch;
}

TrainingBatch prefix_lm_batch(const ExampleRowLayout& layout, const std::vector<std::vector<DenoisedExample>>& rows) {
  const auto batch_size = static_cast<int64_t>(rows.size());
  const int64_t T = layout.sequence_length;
  DecoderOnlyBatch b;
  b.tokens = Tensor::empty({batch_size, T}, DType::I32);
  b.targets = Tensor::empty({batch_size, T}, DType::I32);
  b.prefix = Tensor::empty({batch_size, T}, DType::I32);
  b.segments = Tensor::empty({batch_size, T}, DType::I32);
  b.loss_weights = Tensor::empty({batch_size, T}, DType::F32);
  TrainingBatch batch;
  for (int64_t r = 0; r < batch_size; ++r) {
    const auto packed = objectives::pack_prefix_lm(rows[r], T);
    HONE_CHECK(packed.size() == 1, "example batches: internal error, one row's examples packed into ", packed.size(), " rows");
    const objectives::PrefixLmRow& row = packed.front();
    // The model predicts decoder_target_tokens from decoder_input_tokens; -100 marks inputs and padding.
    std::vector<int32_t> targets = row.decoder_target_tokens;
    for (size_t i = 0; i < targets.size(); ++i)
      if (row.decoder_loss_weights[i] == 0) targets[i] = -100;
    copy_row(row.decoder_input_tokens, b.tokens, r);
    copy_row(targets, b.targets, r);
    if (layout.prefix_attention) {
      copy_row(row.decoder_causal_attention, b.prefix, r);
    } else {
      copy_row(std::vector<int32_t>(row.decoder_causal_attention.size(), 0), b.prefix, r);
    }
    copy_row(row.decoder_segment_ids, b.segments, r);
    copy_row(row.decoder_loss_weights, b.loss_weights, r);
    count_row(row.decoder_segment_ids, row.decoder_loss_weights, batch);
  }
  batch.decoder_only = std::move(b);
  return batch;
}

}  // namespace

bool example_fits(const ExampleRowLayout& layout, const DenoisedExample& example, int64_t used_inputs,
                  int64_t used_targets) {
  const auto inputs = static_cast<int64_t>(example.inputs.size());
  const auto targets = static_cast<int64_t>(example.targets.size());
  if (layout.encoder_decoder)
    return used_inputs + inputs <= layout.inputs_length &&
           used_targets + targets <= layout.targets_length;
  return used_inputs + used_targets + inputs + targets <= layout.sequence_length;
}

std::vector<std::vector<DenoisedExample>> fill_example_rows(const ExampleRowLayout& layout, int64_t batch_size,
                                                            std::optional<DenoisedExample>& pending,
                                                            const std::function<DenoisedExample()>& draw,
                                                            const std::function<void()>& taken) {
  HONE_CHECK(batch_size >= 1, "batch size ", batch_size, " must be positive");
  std::vector<std::vector<DenoisedExample>> rows(static_cast<size_t>(batch_size));
  for (auto& row : rows) {
    int64_t used_inputs = 0, used_targets = 0;
    for (;;) {
      if (!pending) pending = draw();
      // One that does not fit this row opens the next, as seqio's packing does.
      if (!row.empty() && !example_fits(layout, *pending, used_inputs, used_targets)) break;
      HONE_CHECK(!row.empty() || example_fits(layout, *pending, 0, 0), "an example of ", pending->inputs.size(), " + ",
                 pending->targets.size(), " tokens does not fit an empty row; raise the sequence lengths");
      used_inputs += static_cast<int64_t>(pending->inputs.size());
      used_targets += static_cast<int64_t>(pending->targets.size());
      if (taken) taken();
      row.push_back(std::move(*pending));
      pending.reset();
    }
  }
  return rows;
}

TrainingBatch example_rows_to_batch(const ExampleRowLayout& layout, const std::vector<std::vector<DenoisedExample>>& rows) {
  return layout.encoder_decoder ? encoder_decoder_batch(layout, rows) : prefix_lm_batch(layout, rows);
}

}  // namespace hone
