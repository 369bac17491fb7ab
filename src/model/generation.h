#pragma once
// Text generation with a key/value cache for both model families.
//   decoder-only: prompts are right-padded into one batch and run once (prefill); then each step feeds
//                 one token per row at that row's own position, so prompts of different lengths decode
//                 together.
//   encoder-decoder: prompts are the encoder inputs (run once); decoding starts from the decoder start
//                 token (0 for T5) and all rows advance together.
// Sampling is seeded and deterministic: row i of the prompts draws its step-s uniform number from Philox
// stream (first_sample_index + i), index s, so a prompt's continuation does not depend on which other
// prompts share its batch or on the batch size.
#include <cstdint>
#include <vector>

#include "model/language_model.h"
#include "model/sampling.h"

namespace hone {

struct GenerationOptions {
  int64_t max_new_tokens = 32;
  double temperature = 0.0;  // 0: greedy
  int64_t top_k = 0;         // 0: no limit
  double top_p = 1.0;        // nucleus mass in (0, 1]
  uint64_t seed = 0;
  int64_t eos_id = -1;        // a row stops after producing it (it is part of the output); -1: none
  int64_t decoder_start_id = -1;  // encoder-decoder: -1 takes the config's decoder_start_token_id, else 0
  int64_t batch_size = 0;         // prompts decoded together; 0: all of them
  uint64_t first_sample_index = 0;  // Philox stream of the first prompt (see above)

  SamplingOptions sampling() const { return {temperature, top_k, top_p}; }
};

struct GeneratedSequence {
  std::vector<int32_t> tokens;   // the new tokens only
  std::vector<float> logprobs;   // log p(token) under the model (softmax of the raw logits, no temperature)
  bool stopped_at_eos = false;   // the last token is eos_id
};

// Throws hone::Error on max_new_tokens < 0, batch_size < 0 or bad sampling options.
void check_generation_options(const GenerationOptions& options);

// One result per prompt, in order. Prompts must be non-empty and hold ids of the vocabulary.
std::vector<GeneratedSequence> generate(const LanguageModel& model, const std::vector<std::vector<int32_t>>& prompts,
                                        const GenerationOptions& options);
std::vector<GeneratedSequence> generate(const DecoderOnlyModel& model, const std::vector<std::vector<int32_t>>& prompts,
                                        const GenerationOptions& options);
std::vector<GeneratedSequence> generate(const EncoderDecoderModel& model, const std::vector<std::vector<int32_t>>& prompts,
                                        const GenerationOptions& options);

// The same results computed without a cache: every step reruns the model on the whole sequence so far.
// The reference the cached path is tested and benchmarked against (quadratically slower).
std::vector<GeneratedSequence> generate_by_recomputation(const LanguageModel& model,
                                                         const std::vector<std::vector<int32_t>>& prompts,
                                                         const GenerationOptions& options);
std::vector<GeneratedSequence> generate_by_recomputation(const DecoderOnlyModel& model,
                                                         const std::vector<std::vector<int32_t>>& prompts,
                                                         const GenerationOptions& options);
std::vector<GeneratedSequence> generate_by_recomputation(const EncoderDecoderModel& model,
                                                         const std::vector<std::vector<int32_t>>& prompts,
                                                         const GenerationOptions& options);

}  // namespace hone
