#include "objectives/prefix_lm.h"

#include "core/error.h"
#include "objectives/random_draws.h"

namespace hone::objectives {

PrefixSplit random_prefix_split(const std::vector<int32_t>& tokens, uint64_t seed, uint64_t example_index) {
  const int64_t length = static_cast<int64_t>(tokens.size());
  HONE_CHECK(length >= 2, "prefix LM: a sequence of ", length,
             " token(s) cannot be split into a non-empty prefix and continuation; it needs at least 2");
  DrawStream draws(seed, example_index, DrawPurpose::PrefixSplit);
  const int64_t prefix_length = 1 + static_cast<int64_t>(draws.below(static_cast<uint64_t>(length - 1)));
  return PrefixSplit{std::vector<int32_t>(tokens.begin(), tokens.begin() + prefix_length),
                     std::vector<int32_t>(tokens.begin() + prefix_length, tokens.end())};
}

}  // namespace hone::objectives
