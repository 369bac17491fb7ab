#include "objectives/split_tokens.h"

#include <algorithm>

#include "core/error.h"

namespace hone::objectives {

std::vector<std::vector<int32_t>> split_tokens(const std::vector<int32_t>& tokens, int64_t max_tokens) {
  HONE_CHECK(max_tokens >= 1, "split_tokens: chunk length ", max_tokens, " must be at least 1");
  std::vector<std::vector<int32_t>> chunks;
  for (size_t start = 0; start < tokens.size(); start += static_cast<size_t>(max_tokens)) {
    const size_t end = std::min(tokens.size(), start + static_cast<size_t>(max_tokens));
    chunks.emplace_back(tokens.begin() + static_cast<std::ptrdiff_t>(start), tokens.begin() + static_cast<std::ptrdiff_t>(end));
  }
  return chunks;
}

}  // namespace hone::objectives
