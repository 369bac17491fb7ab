#pragma once
// T5's noise_span_to_unique_sentinel / nonnoise_span_to_unique_sentinel: each run of masked tokens
// becomes one sentinel, the k-th run (from 0) the id vocab_size - 1 - k, so the sentinels in the inputs
// line up with those in the targets.
#include <cstdint>
#include <vector>

namespace hone::objectives {

// What to do when a sequence has more spans than there are sentinel ids.
enum class SentinelOverflow {
  Error,  // default: fail with a message (T5 would silently run into ordinary token ids)
  Wrap,   // reuse sentinels cyclically: span k gets sentinel k mod num_sentinels
};

struct SentinelOptions {
  int64_t vocab_size = 32100;   // the first sentinel is vocab_size - 1 (T5: <extra_id_0> = 32099)
  int64_t num_sentinels = 100;  // ids vocab_size - num_sentinels .. vocab_size - 1 are sentinels (T5: 100)
  SentinelOverflow overflow = SentinelOverflow::Error;
};

// Sentinel id of span k (0-based), honouring the overflow policy.
int32_t sentinel_id(int64_t span_index, const SentinelOptions& options);

// Replaces each run of mask == 1 by one sentinel and keeps the other tokens.
std::vector<int32_t> noise_span_to_unique_sentinel(const std::vector<int32_t>& tokens, const std::vector<uint8_t>& mask,
                                                   const SentinelOptions& options);
// The same with the mask inverted: the kept spans become sentinels (the span-corruption targets).
std::vector<int32_t> nonnoise_span_to_unique_sentinel(const std::vector<int32_t>& tokens,
                                                      const std::vector<uint8_t>& mask, const SentinelOptions& options);

}  // namespace hone::objectives
