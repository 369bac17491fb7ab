#pragma once
// Packing (inputs, targets) examples into training batches, shared by every example-based source (the
// denoising mixtures, the Flan instruction mixture): examples fill rows greedily in order, an example
// that does not fit the open row opens the next (seqio's single-bin packing), and the rows become an
// EncoderDecoderBatch (objectives::pack_encoder_decoder) or a prefix-LM DecoderOnlyBatch
// (objectives::pack_prefix_lm: -100 targets and zero loss weight on inputs and padding).
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "objectives/denoiser.h"
#include "train/batch_source.h"

namespace hone {

struct ExampleRowLayout {
  bool encoder_decoder = true;
  int64_t inputs_length = 0;    // encoder-decoder: encoder row length
  int64_t targets_length = 0;   // encoder-decoder: decoder row length
  int64_t sequence_length = 0;  // decoder-only: row length (inputs ++ targets of every example in it)
  bool prefix_attention = true;  // decoder-only: bidirectional over the inputs (prefix LM); false: causal
                                 // everywhere, the loss still only on the targets
};

// Whether an example fits a row that already holds used_inputs / used_targets tokens.
bool example_fits(const ExampleRowLayout& layout, const objectives::DenoisedExample& example, int64_t used_inputs,
                  int64_t used_targets);

// batch_size rows of examples. `pending` is an example drawn earlier that did not fit (it goes first and,
// if the batch closes on a new one, holds that one afterwards); draw() makes the next example; taken()
// is called for every example placed in a row. An example must fit an empty row.
std::vector<std::vector<objectives::DenoisedExample>> fill_example_rows(
    const ExampleRowLayout& layout, int64_t batch_size, std::optional<objectives::DenoisedExample>& pending,
    const std::function<objectives::DenoisedExample()>& draw, const std::function<void()>& taken = {});

// The rows as tensors, with TrainingBatch.tokens (non-padding) and loss_tokens filled in.
TrainingBatch example_rows_to_batch(const ExampleRowLayout& layout,
                                    const std::vector<std::vector<objectives::DenoisedExample>>& rows);

}  // namespace hone
