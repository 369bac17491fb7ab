// The scaling CSV reader: accepted column names, D from C, and clear errors with line numbers.
#include <gtest/gtest.h>

#include <sstream>

#include "core/error.h"
#include "scaling/scaling_data.h"

namespace hone::scaling {
namespace {

std::vector<ScalingPoint> parse(const std::string& text) {
  std::istringstream in(text);
  return parse_scaling_csv(in, "runs.csv");
}

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(ScalingCsv, ReadsTheEpochFile) {
  auto points = read_scaling_csv("/work/shared/data/chinchilla_svg_extracted_data.csv");
  ASSERT_EQ(points.size(), 245u);
  // First row: Model Size 6795600349.289497, Training FLOP 9.993852799709755e+18, loss 5.005581996196243.
  EXPECT_DOUBLE_EQ(points[0].params, 6795600349.289497);
  EXPECT_DOUBLE_EQ(points[0].flops, 9.993852799709755e+18);
  EXPECT_DOUBLE_EQ(points[0].tokens, 9.993852799709755e+18 / (6 * 6795600349.289497));
  EXPECT_DOUBLE_EQ(points[0].loss, 5.005581996196243);
}

TEST(ScalingCsv, PlainNamesTokensOrFlopsAndQuotedFields) {
  auto with_tokens = parse("params,tokens,loss\n1e6,2e7,3.5\n\n2e6,\"4e7\",3.1\n");
  ASSERT_EQ(with_tokens.size(), 2u);
  EXPECT_DOUBLE_EQ(with_tokens[1].tokens, 4e7);
  EXPECT_DOUBLE_EQ(with_tokens[1].flops, 6 * 2e6 * 4e7);
  auto short_names = parse("L, C ,N\r\n2.5,6e15,1e6\r\n");
  ASSERT_EQ(short_names.size(), 1u);
  EXPECT_DOUBLE_EQ(short_names[0].loss, 2.5);
  EXPECT_DOUBLE_EQ(short_names[0].tokens, 1e9);
  auto both = parse("N,D,flops,loss\n1e6,1e9,7e15,2.5\n");
  EXPECT_DOUBLE_EQ(both[0].flops, 7e15);  // a given C is kept, not recomputed
  EXPECT_DOUBLE_EQ(both[0].tokens, 1e9);
}

TEST(ScalingCsv, BadInputNamesTheProblemAndLine) {
  EXPECT_NE(error_of("").find("empty"), std::string::npos);
  EXPECT_NE(error_of("tokens,loss\n1,2\n").find("no model-size column"), std::string::npos);
  EXPECT_NE(error_of("N,D\n1,2\n").find("no loss column"), std::string::npos);
  EXPECT_NE(error_of("N,loss\n1,2\n").find("needs a tokens column"), std::string::npos);
  EXPECT_NE(error_of("N,D,loss\n").find("no data rows"), std::string::npos);
  EXPECT_NE(error_of("N,D,loss\n1e6,1e9,2.5\n1e6,abc,2.5\n").find("runs.csv line 3: column 'D' holds 'abc'"), std::string::npos);
  EXPECT_NE(error_of("N,D,loss\n1e6,1e9,2.5\n\n1e6,1e9,-1\n").find("runs.csv line 4: column 'loss' is -1 but must be positive"),
            std::string::npos);
  EXPECT_NE(error_of("N,D,loss\n1e6,1e9,0\n").find("line 2"), std::string::npos);
  EXPECT_NE(error_of("N,D,loss\n1e6,1e9\n").find("line 2: 2 fields but the header has 3"), std::string::npos);
  EXPECT_NE(error_of("N,D,loss\n1e6,1e9,nan\n").find("not a finite number"), std::string::npos);
  EXPECT_THROW(read_scaling_csv("/nonexistent/runs.csv"), Error);
}

TEST(ScalingCsv, DropHighestLossesKeepsFileOrder) {
  auto points = parse("N,D,loss\n1,1,3\n2,2,5\n3,3,1\n4,4,4\n5,5,2\n");
  auto kept = drop_highest_losses(points, 2);
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept[0].params, 1);
  EXPECT_EQ(kept[1].params, 3);
  EXPECT_EQ(kept[2].params, 5);
  EXPECT_EQ(drop_highest_losses(points, 0).size(), 5u);
  EXPECT_THROW(drop_highest_losses(points, 5), Error);
}

}  // namespace
}  // namespace hone::scaling
