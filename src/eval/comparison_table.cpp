#include "eval/comparison_table.h"

#include <cstdio>
#include <map>

#include "core/error.h"

namespace hone::eval {
namespace {

std::string percent(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", 100 * value);
  return text;
}

}  // namespace

std::string comparison_table(const std::vector<std::pair<std::string, nlohmann::json>>& summaries) {
  HONE_CHECK(!summaries.empty(), "comparison table: no summaries given");
  // Column key: (shots, cluster), so zero-shot columns come first.
  std::map<std::pair<int64_t, std::string>, std::vector<std::string>> columns;
  bool any_perplexity = false, any_infilling = false;
  for (size_t row = 0; row < summaries.size(); ++row) {
    const auto& [label, summary] = summaries[row];
    HONE_CHECK(summary.is_object() &&
                   (summary.contains("clusters") || summary.contains("perplexity") || summary.contains("infilling")),
               "summary '", label, "' is not a `hone eval --json` file (no clusters, perplexity or infilling)");
    if (summary.contains("clusters")) {
      for (const auto& c : summary.at("clusters")) {
        auto& cells = columns[{c.at("shots").get<int64_t>(), c.at("cluster").get<std::string>()}];
        cells.resize(summaries.size(), "–");
        cells[row] = percent(c.at("accuracy").get<double>());
      }
    }
    any_perplexity = any_perplexity || summary.contains("perplexity");
    any_infilling = any_infilling || summary.contains("infilling");
  }
  std::string header = "| model |", rule = "|---|";
  for (const auto& [key, cells] : columns) {
    header += " " + key.second + " " + std::to_string(key.first) + "-shot |";
    rule += "---:|";
  }
  if (any_perplexity) {
    header += " perplexity |";
    rule += "---:|";
  }
  if (any_infilling) {
    header += " infilling exact match | infilling NLL |";
    rule += "---:|---:|";
  }
  std::string table = header + "\n" + rule + "\n";
  for (size_t row = 0; row < summaries.size(); ++row) {
    const auto& [label, summary] = summaries[row];
    std::string line = "| ";
    line += label;
    line += " |";
    for (auto& [key, cells] : columns) {
      line += ' ';
      line += row < cells.size() ? cells[row] : std::string("–");
      line += " |";
    }
    if (any_perplexity) {
      char text[32] = "–";
      if (summary.contains("perplexity"))
        std::snprintf(text, sizeof text, "%.2f", summary.at("perplexity").at("perplexity").get<double>());
      line += std::string(" ") + text + " |";
    }
    if (any_infilling) {
      char text[64] = " – | – |";
      if (summary.contains("infilling"))
        std::snprintf(text, sizeof text, " %s | %.3f |",
                      percent(summary.at("infilling").at("span_exact_match").get<double>()).c_str(),
                      summary.at("infilling").at("target_nll").get<double>());
      line += text;
    }
    table += line + "\n";
  }
  return table;
}

}  // namespace hone::eval
