// `hone scale shapes`: the grid shapes' costs come from shape_stats, and DeepNarrow picks depth first.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "model/presets.h"
#include "model/shape_stats.h"
#include "scaling/shape_search.h"
#include "support/run_command.h"

namespace hone::scaling {
namespace {

using hone::testing::hone_binary;
using hone::testing::run_command;

TEST(ShapeSearch, GridShapesMatchThePresetsTheyReproduce) {
  // The encoder-decoder grid is the T5 v1.0 layout: its 24- and 36-layer d_model 1024 shapes are
  // t5-large and t5-large-nl36 exactly.
  EXPECT_EQ(make_shape(ModelFamily::EncoderDecoder, 24, 1024).params, count_parameters(preset_config("t5-large")).total);
  EXPECT_EQ(make_shape(ModelFamily::EncoderDecoder, 36, 1024).params, count_parameters(preset_config("t5-large-nl36")).total);
  EXPECT_EQ(make_shape(ModelFamily::EncoderDecoder, 6, 512).params, count_parameters(preset_config("t5-small")).total);
}

TEST(ShapeSearch, DeepNarrowT5LargeWith36LayersAgainstT5XL) {
  ShapeSearchOptions options;
  options.family = ModelFamily::EncoderDecoder;
  options.budget = 1.1e9;
  const ShapeSearch search = search_shapes(options);
  const ShapeCandidate& pick = search.recommended;
  EXPECT_TRUE(search.recommended_by_rule);
  EXPECT_EQ(pick.layers, 36);
  EXPECT_EQ(pick.config.d_model, 1024);
  EXPECT_EQ(pick.config.d_ff, 4096);
  EXPECT_EQ(pick.config.n_heads, 16);
  EXPECT_NEAR(static_cast<double>(pick.params), 1.09e9, 0.005e9);
  // Every listed shape is within budget, one per depth, and the widest that fits at its depth.
  for (const ShapeCandidate& c : search.widest_per_depth) {
    EXPECT_LE(c.params, 1.1e9);
    const int64_t* next = std::upper_bound(std::begin(kShapeWidths), std::end(kShapeWidths), c.config.d_model);
    if (next != std::end(kShapeWidths)) {
      EXPECT_GT(make_shape(ModelFamily::EncoderDecoder, c.layers, *next).params, 1.1e9);
    }
  }
  // The explanation names Tay et al.'s comparison with T5-XL (t5-3b) at its real parameter count.
  std::string text;
  for (const std::string& line : search.explanation) text += line + "\n";
  EXPECT_NE(text.find("DeepNarrow"), std::string::npos);
  EXPECT_NE(text.find("T5-XL, 24+24 layers (2.85B)"), std::string::npos) << text;
  EXPECT_NE(text.find("36+36 layers (1.09B parameters)"), std::string::npos) << text;
  EXPECT_NEAR(static_cast<double>(count_parameters(preset_config("t5-3b")).total), 2.85e9, 0.01e9);
}

TEST(ShapeSearch, DepthIsCappedThenWidthGrows) {
  ShapeSearchOptions options;
  options.family = ModelFamily::DecoderOnly;
  options.budget = 7e9;
  const ShapeSearch big = search_shapes(options);
  EXPECT_EQ(big.recommended.layers, 36);  // 40+ layers fit but DeepNarrow stops at 36
  EXPECT_GE(big.recommended.config.d_model, 3072);
  options.budget = 3e8;
  const ShapeSearch small = search_shapes(options);
  EXPECT_LT(small.recommended.config.d_model, big.recommended.config.d_model);
  EXPECT_GE(static_cast<double>(small.recommended.config.d_model), 20.0 * static_cast<double>(small.recommended.layers));
}

TEST(ShapeSearch, FlopsPerTokenBudget) {
  ShapeSearchOptions options;
  options.kind = ShapeBudgetKind::FlopsPerToken;
  options.budget = 3.3e9;
  const ShapeSearch search = search_shapes(options);
  for (const ShapeCandidate& c : search.widest_per_depth) EXPECT_LE(c.flops_per_token, 3.3e9);
  EXPECT_EQ(search.recommended.layers, 36);
  options.budget = 1;
  EXPECT_THROW(search_shapes(options), Error);
}

TEST(ShapeSearch, Command) {
  auto r = run_command(hone_binary() + " scale shapes --params 1.1e9 --family encoder_decoder");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("*     36+36     1024    4096     16    64       1090051072"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("T5-XL"), std::string::npos) << r.output;
  r = run_command(hone_binary() + " scale shapes --params 3e8 --family decoder_only --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["recommended"]["decoder_layers"], j["recommended"]["layers"]);
  EXPECT_LE(j["recommended"]["params"].get<double>(), 3e8);
  EXPECT_EQ(run_command(hone_binary() + " scale shapes").exit_code, 2);
  EXPECT_EQ(run_command(hone_binary() + " scale shapes --params 1e9 --flops-per-token 1e9").exit_code, 2);
}

}  // namespace
}  // namespace hone::scaling
