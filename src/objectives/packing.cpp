#include "objectives/packing.h"

#include <algorithm>

#include "core/error.h"

namespace hone::objectives {
namespace {

// One packed sequence being filled: tokens, segment ids, positions, padded to a fixed length later.
struct PackedSequence {
  std::vector<int32_t> tokens, segment_ids, positions;

  void append(const std::vector<int32_t>& piece, int32_t segment) {
    for (size_t i = 0; i < piece.size(); ++i) {
      tokens.push_back(piece[i]);
      segment_ids.push_back(segment);
      positions.push_back(static_cast<int32_t>(i));
    }
  }
  void pad_to(int64_t length) {
    tokens.resize(static_cast<size_t>(length), 0);
    segment_ids.resize(static_cast<size_t>(length), 0);
    positions.resize(static_cast<size_t>(length), 0);
  }
};

std::vector<int32_t> trimmed(const std::vector<int32_t>& tokens, int64_t length) {
  return std::vector<int32_t>(tokens.begin(), tokens.begin() + std::min<int64_t>(length, static_cast<int64_t>(tokens.size())));
}

// seqio.utils.make_autoregressive_inputs with sequence ids: shift right, 0 where a segment starts.
std::vector<int32_t> autoregressive_inputs(const std::vector<int32_t>& targets, const std::vector<int32_t>& segment_ids) {
  std::vector<int32_t> inputs(targets.size(), 0);
  for (size_t i = 1; i < targets.size(); ++i)
    if (segment_ids[i] == segment_ids[i - 1]) inputs[i] = targets[i - 1];
  return inputs;
}

std::vector<int32_t> non_padding(const std::vector<int32_t>& segment_ids) {
  std::vector<int32_t> weights(segment_ids.size());
  for (size_t i = 0; i < segment_ids.size(); ++i) weights[i] = segment_ids[i] != 0;
  return weights;
}

}  // namespace

std::vector<EncoderDecoderRow> pack_encoder_decoder(const std::vector<DenoisedExample>& examples,
                                                    int64_t inputs_length, int64_t targets_length) {
  HONE_CHECK(inputs_length >= 1 && targets_length >= 1, "packing: lengths ", inputs_length, "/", targets_length,
             " must be positive");
  std::vector<EncoderDecoderRow> rows;
  PackedSequence encoder, decoder;
  int32_t segments = 0;
  auto close_row = [&] {
    if (segments == 0) return;
    encoder.pad_to(inputs_length);
    decoder.pad_to(targets_length);
    EncoderDecoderRow row;
    row.encoder_input_tokens = std::move(encoder.tokens);
    row.encoder_segment_ids = std::move(encoder.segment_ids);
    row.encoder_positions = std::move(encoder.positions);
    row.decoder_input_tokens = autoregressive_inputs(decoder.tokens, decoder.segment_ids);
    row.decoder_loss_weights = non_padding(decoder.segment_ids);
    row.decoder_target_tokens = std::move(decoder.tokens);
    row.decoder_segment_ids = std::move(decoder.segment_ids);
    row.decoder_positions = std::move(decoder.positions);
    rows.push_back(std::move(row));
    encoder = PackedSequence{};
    decoder = PackedSequence{};
    segments = 0;
  };
  for (const DenoisedExample& example : examples) {
    const std::vector<int32_t> inputs = trimmed(example.inputs, inputs_length);
    const std::vector<int32_t> targets = trimmed(example.targets, targets_length);
    const bool fits = static_cast<int64_t>(encoder.tokens.size() + inputs.size()) <= inputs_length &&
                      static_cast<int64_t>(decoder.tokens.size() + targets.size()) <= targets_length;
    if (!fits) close_row();
    ++segments;
    encoder.append(inputs, segments);
    decoder.append(targets, segments);
  }
  close_row();
  return rows;
}

std::vector<PrefixLmRow> pack_prefix_lm(const std::vector<DenoisedExample>& examples, int64_t length,
                                        bool loss_on_targets_only) {
  HONE_CHECK(length >= 1, "packing: length ", length, " must be positive");
  std::vector<PrefixLmRow> rows;
  PackedSequence sequence;
  std::vector<int32_t> inputs_width;  // per position: the length of its example's inputs
  int32_t segments = 0;
  auto close_row = [&] {
    if (segments == 0) return;
    sequence.pad_to(length);
    inputs_width.resize(static_cast<size_t>(length), 0);
    PrefixLmRow row;
    row.decoder_input_tokens = autoregressive_inputs(sequence.tokens, sequence.segment_ids);
    row.decoder_loss_weights.resize(static_cast<size_t>(length));
    row.decoder_causal_attention.resize(static_cast<size_t>(length));
    for (size_t i = 0; i < static_cast<size_t>(length); ++i) {
      const bool real = sequence.segment_ids[i] != 0;
      const bool in_targets = sequence.positions[i] >= inputs_width[i];
      row.decoder_loss_weights[i] = real && (!loss_on_targets_only || in_targets);
      // The inputs and the first target position (which reads the last input) see the whole prefix.
      row.decoder_causal_attention[i] = real && sequence.positions[i] < inputs_width[i] + 1;
    }
    row.decoder_target_tokens = std::move(sequence.tokens);
    row.decoder_segment_ids = std::move(sequence.segment_ids);
    row.decoder_positions = std::move(sequence.positions);
    rows.push_back(std::move(row));
    sequence = PackedSequence{};
    inputs_width.clear();
    segments = 0;
  };
  for (const DenoisedExample& example : examples) {
    std::vector<int32_t> concatenated = example.inputs;
    concatenated.insert(concatenated.end(), example.targets.begin(), example.targets.end());
    concatenated = trimmed(concatenated, length);
    if (static_cast<int64_t>(sequence.tokens.size() + concatenated.size()) > length) close_row();
    ++segments;
    sequence.append(concatenated, segments);
    inputs_width.insert(inputs_width.end(), concatenated.size(), static_cast<int32_t>(example.inputs.size()));
  }
  close_row();
  return rows;
}

}  // namespace hone::objectives
