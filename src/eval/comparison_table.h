#pragma once
// One table from several `hone eval --json` summaries (e.g. base, +UL2R, +Flan, +UL2R+Flan): a row per
// model, a column per (cluster, shots) mean accuracy and one for perplexity when measured, as Markdown so
// it pastes into a README, then the infilling probe's exact match and NLL when measured. Columns are the union over the summaries; a missing value shows as "–".
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace hone::eval {

// (label, summary JSON) in row order.
std::string comparison_table(const std::vector<std::pair<std::string, nlohmann::json>>& summaries);

}  // namespace hone::eval
