#pragma once
// What a denoiser (or a mixture's draw) makes of a user's text: the library side of `hone ul2 preview`.
#include <cstdint>
#include <string>
#include <vector>

#include "tokenize/tokenizer.h"

namespace hone::objectives {

struct PreviewOptions {
  std::string denoiser = "ul2";  // a mixture preset (ul2, ul2r, t5, causal) or a denoiser name such as R(mu=3,r=0.15)
  uint64_t seed = 0;
  int64_t examples = 1;          // consecutive example indices from 0
  int64_t inputs_length = 512;
  int64_t targets_length = 512;
};

struct PreviewExample {
  std::string denoiser;
  int64_t source_tokens = 0;  // how many tokens of the text it read
  std::vector<int32_t> inputs, targets;
  std::string inputs_text, targets_text;
};

// Encodes text, then makes `examples` examples from its first tokens. Mode tokens are the strings
// [NLU]/[NLG]/[S2S] through the tokenizer, as UL2 did; sentinels are the tokenizer's <extra_id_k>.
// Errors name what is missing (e.g. a tokenizer without sentinels for span corruption).
std::vector<PreviewExample> preview_denoising(const Tokenizer& tokenizer, const std::string& text,
                                              const PreviewOptions& options);

}  // namespace hone::objectives
