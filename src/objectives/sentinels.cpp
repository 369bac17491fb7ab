#include "objectives/sentinels.h"

#include "core/error.h"

namespace hone::objectives {
namespace {

std::vector<int32_t> replace_runs(const std::vector<int32_t>& tokens, const std::vector<uint8_t>& mask,
                                  uint8_t replaced_value, const SentinelOptions& options) {
  HONE_CHECK(tokens.size() == mask.size(), "sentinels: ", tokens.size(), " tokens but a noise mask of ", mask.size());
  std::vector<int32_t> out;
  out.reserve(tokens.size());
  int64_t span = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const bool replaced = mask[i] == replaced_value;
    if (!replaced) {
      out.push_back(tokens[i]);
    } else if (i == 0 || mask[i - 1] != replaced_value) {
      out.push_back(sentinel_id(span++, options));  // first token of a run; the rest of the run is dropped
    }
  }
  return out;
}

}  // namespace

int32_t sentinel_id(int64_t span_index, const SentinelOptions& options) {
  HONE_CHECK(options.num_sentinels >= 1 && options.num_sentinels <= options.vocab_size,
             "sentinels: ", options.num_sentinels, " sentinels do not fit a vocabulary of ", options.vocab_size);
  if (span_index >= options.num_sentinels) {
    HONE_CHECK(options.overflow == SentinelOverflow::Wrap, "sentinels: this example has more than ",
               options.num_sentinels, " spans but the vocabulary has only ", options.num_sentinels,
               " sentinel ids; use a larger mean span or lower noise density, shorter inputs, more sentinels, "
               "or allow wrapping (sentinels reused cyclically)");
    span_index %= options.num_sentinels;
  }
  return static_cast<int32_t>(options.vocab_size - 1 - span_index);
}

std::vector<int32_t> noise_span_to_unique_sentinel(const std::vector<int32_t>& tokens, const std::vector<uint8_t>& mask,
                                                   const SentinelOptions& options) {
  return replace_runs(tokens, mask, 1, options);
}

std::vector<int32_t> nonnoise_span_to_unique_sentinel(const std::vector<int32_t>& tokens,
                                                      const std::vector<uint8_t>& mask, const SentinelOptions& options) {
  return replace_runs(tokens, mask, 0, options);
}

}  // namespace hone::objectives
