#pragma once
// Packing examples into fixed-length rows with segment ids and positions, as seqio's feature
// converters do (EncDecFeatureConverter and PrefixLMFeatureConverter with pack=True):
//   - each example is trimmed to the lengths (seqio keeps the start; EOS may be cut);
//   - rows fill greedily in order: an example that does not fit the open row closes it and opens the
//     next (seqio's single-bin packing), so the order of examples is kept;
//   - segment ids count from 1 within a row, positions restart at 0 per segment, padding is 0;
//   - decoder inputs are the targets shifted right with 0 at the first position of every segment.
// Loss weights are 1 on every non-padding target position (seqio tests token != 0; hone tests
// segment != 0, which is the same for pad id 0 and also right for vocabularies where 0 is a token).
#include <cstdint>
#include <vector>

#include "objectives/denoiser.h"

namespace hone::objectives {

struct EncoderDecoderRow {
  std::vector<int32_t> encoder_input_tokens, encoder_segment_ids, encoder_positions;
  std::vector<int32_t> decoder_target_tokens, decoder_input_tokens, decoder_loss_weights;
  std::vector<int32_t> decoder_segment_ids, decoder_positions;
};

std::vector<EncoderDecoderRow> pack_encoder_decoder(const std::vector<DenoisedExample>& examples,
                                                    int64_t inputs_length, int64_t targets_length);

// Decoder-only prefix LM: each example becomes inputs ++ targets; the model attends bidirectionally
// over the inputs and one position more (decoder_causal_attention = 1), and, with loss_on_targets_only
// (seqio's default), learns only the targets. Causal-LM examples (no inputs) come out as plain LM rows.
struct PrefixLmRow {
  std::vector<int32_t> decoder_target_tokens, decoder_input_tokens, decoder_loss_weights;
  std::vector<int32_t> decoder_causal_attention, decoder_segment_ids, decoder_positions;
};

std::vector<PrefixLmRow> pack_prefix_lm(const std::vector<DenoisedExample>& examples, int64_t length,
                                        bool loss_on_targets_only = true);

}  // namespace hone::objectives
