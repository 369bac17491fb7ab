#pragma once
// T5's split_tokens: cut a long token sequence into the chunks a denoiser reads.
#include <cstdint>
#include <vector>

namespace hone::objectives {

// Consecutive chunks of max_tokens; the last one holds the remainder.
std::vector<std::vector<int32_t>> split_tokens(const std::vector<int32_t>& tokens, int64_t max_tokens);

}  // namespace hone::objectives
