// seqio-style packing: the exact vectors of issue 4 for the encoder-decoder and prefix-LM converters.
#include <gtest/gtest.h>

#include "core/error.h"
#include "objectives/packing.h"

namespace hone::objectives {
namespace {

using Ids = std::vector<int32_t>;

const std::vector<DenoisedExample> kExamples = {{{7, 8, 5, 1}, {3, 9, 1}}, {{8, 4, 9, 3, 1}, {4, 1}}};

TEST(Packing, EncoderDecoderMatchesSeqio) {
  const auto rows = pack_encoder_decoder(kExamples, 10, 7);
  ASSERT_EQ(rows.size(), 1u);
  const EncoderDecoderRow& row = rows[0];
  EXPECT_EQ(row.encoder_input_tokens, (Ids{7, 8, 5, 1, 8, 4, 9, 3, 1, 0}));
  EXPECT_EQ(row.encoder_segment_ids, (Ids{1, 1, 1, 1, 2, 2, 2, 2, 2, 0}));
  EXPECT_EQ(row.encoder_positions, (Ids{0, 1, 2, 3, 0, 1, 2, 3, 4, 0}));
  EXPECT_EQ(row.decoder_target_tokens, (Ids{3, 9, 1, 4, 1, 0, 0}));
  EXPECT_EQ(row.decoder_input_tokens, (Ids{0, 3, 9, 0, 4, 0, 0}));
  EXPECT_EQ(row.decoder_loss_weights, (Ids{1, 1, 1, 1, 1, 0, 0}));
  EXPECT_EQ(row.decoder_segment_ids, (Ids{1, 1, 1, 2, 2, 0, 0}));
  EXPECT_EQ(row.decoder_positions, (Ids{0, 1, 2, 0, 1, 0, 0}));
}

TEST(Packing, PrefixLmDecoderOnlyMatchesSeqio) {
  const auto rows = pack_prefix_lm(kExamples, 15);
  ASSERT_EQ(rows.size(), 1u);
  const PrefixLmRow& row = rows[0];
  EXPECT_EQ(row.decoder_target_tokens, (Ids{7, 8, 5, 1, 3, 9, 1, 8, 4, 9, 3, 1, 4, 1, 0}));
  EXPECT_EQ(row.decoder_input_tokens, (Ids{0, 7, 8, 5, 1, 3, 9, 0, 8, 4, 9, 3, 1, 4, 0}));
  EXPECT_EQ(row.decoder_loss_weights, (Ids{0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 0}));
  EXPECT_EQ(row.decoder_causal_attention, (Ids{1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0}));
  EXPECT_EQ(row.decoder_segment_ids, (Ids{1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 0}));
  EXPECT_EQ(row.decoder_positions, (Ids{0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6, 0}));
  // Loss on every real token when asked.
  EXPECT_EQ(pack_prefix_lm(kExamples, 15, false)[0].decoder_loss_weights,
            (Ids{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0}));
}

TEST(Packing, ExampleThatDoesNotFitOpensANewRow) {
  // Greedy in order: the second example's targets overflow 4, so it starts row 2; the third joins it.
  const std::vector<DenoisedExample> examples = {{{1, 2}, {3, 4, 5}}, {{6}, {7, 8}}, {{9}, {10}}};
  const auto rows = pack_encoder_decoder(examples, 6, 4);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].encoder_input_tokens, (Ids{1, 2, 0, 0, 0, 0}));
  EXPECT_EQ(rows[0].decoder_target_tokens, (Ids{3, 4, 5, 0}));
  EXPECT_EQ(rows[1].encoder_input_tokens, (Ids{6, 9, 0, 0, 0, 0}));
  EXPECT_EQ(rows[1].encoder_segment_ids, (Ids{1, 2, 0, 0, 0, 0}));
  EXPECT_EQ(rows[1].decoder_target_tokens, (Ids{7, 8, 10, 0}));
  EXPECT_EQ(rows[1].decoder_input_tokens, (Ids{0, 7, 0, 0}));
}

TEST(Packing, OverlongExamplesAreTrimmedFromTheEnd) {
  const auto rows = pack_encoder_decoder({{{1, 2, 3, 4, 5}, {6, 7, 8}}}, 3, 2);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].encoder_input_tokens, (Ids{1, 2, 3}));
  EXPECT_EQ(rows[0].decoder_target_tokens, (Ids{6, 7}));
  const auto lm = pack_prefix_lm({{{1, 2, 3}, {4, 5, 6}}}, 4);
  EXPECT_EQ(lm[0].decoder_target_tokens, (Ids{1, 2, 3, 4}));
  EXPECT_EQ(lm[0].decoder_loss_weights, (Ids{0, 0, 0, 1}));
  EXPECT_EQ(lm[0].decoder_causal_attention, (Ids{1, 1, 1, 1}));
}

TEST(Packing, CausalExamplesAreLmRows) {
  const auto rows = pack_prefix_lm({{{}, {5, 6, 1}}, {{}, {7, 1}}}, 6);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].decoder_target_tokens, (Ids{5, 6, 1, 7, 1, 0}));
  EXPECT_EQ(rows[0].decoder_input_tokens, (Ids{0, 5, 6, 0, 7, 0}));
  EXPECT_EQ(rows[0].decoder_loss_weights, (Ids{1, 1, 1, 1, 1, 0}));
}

TEST(Packing, BadLengthsAreErrors) {
  EXPECT_THROW(pack_encoder_decoder(kExamples, 0, 7), Error);
  EXPECT_THROW(pack_prefix_lm(kExamples, 0), Error);
}

}  // namespace
}  // namespace hone::objectives
