#pragma once
// The S-denoiser's split (T5's random_prefix_noise_mask with drop_nonnoise_tokens/drop_noise_tokens):
// a prefix whose length is uniform on [1, length - 1] becomes the inputs, the rest the targets.
#include <cstdint>
#include <vector>

namespace hone::objectives {

struct PrefixSplit {
  std::vector<int32_t> prefix;
  std::vector<int32_t> continuation;
};

// Needs at least 2 tokens so both parts are non-empty.
PrefixSplit random_prefix_split(const std::vector<int32_t>& tokens, uint64_t seed, uint64_t example_index = 0);

}  // namespace hone::objectives
