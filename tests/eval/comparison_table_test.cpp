#include <gtest/gtest.h>

#include "core/error.h"
#include "eval/comparison_table.h"

namespace hone::eval {
namespace {

TEST(ComparisonTable, RowsPerModelColumnsPerClusterAndShots) {
  const nlohmann::json base = {{"clusters", {{{"cluster", "logic"}, {"shots", 0}, {"accuracy", 0.5}},
                                             {{"cluster", "logic"}, {"shots", 3}, {"accuracy", 0.625}}}},
                               {"perplexity", {{"perplexity", 41.234}}}};
  const nlohmann::json flan = {{"clusters", {{{"cluster", "logic"}, {"shots", 0}, {"accuracy", 0.75}},
                                             {{"cluster", "arithmetic"}, {"shots", 0}, {"accuracy", 0.2}}}}};
  const std::string table = comparison_table({{"base", base}, {"+Flan", flan}});
  EXPECT_EQ(table,
            "| model | arithmetic 0-shot | logic 0-shot | logic 3-shot | perplexity |\n"
            "|---|---:|---:|---:|---:|\n"
            "| base | – | 50.0 | 62.5 | 41.23 |\n"
            "| +Flan | 20.0 | 75.0 | – | – |\n");
  const nlohmann::json probe = {{"infilling", {{"span_exact_match", 0.25}, {"target_nll", 1.5}}}};
  EXPECT_EQ(comparison_table({{"base", base}, {"+UL2R", probe}}),
            "| model | logic 0-shot | logic 3-shot | perplexity | infilling exact match | infilling NLL |\n"
            "|---|---:|---:|---:|---:|---:|\n"
            "| base | 50.0 | 62.5 | 41.23 | – | – |\n"
            "| +UL2R | – | – | – | 25.0 | 1.500 |\n");
  EXPECT_THROW(comparison_table({{"x", nlohmann::json::object()}}), Error);
  EXPECT_THROW(comparison_table({}), Error);
}

}  // namespace
}  // namespace hone::eval
