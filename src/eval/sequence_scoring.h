#pragma once
// Log-likelihood of continuations given prompts, for either model family: the primitive under rank
// classification (sum of the option's token log-probabilities) and held-out perplexity.
//   decoder-only:    one row per request, prompt ++ continuation; the logits at the last prompt position
//                    and after score the continuation tokens; a prefix-LM model (config.prefix_lm) reads
//                    the prompt bidirectionally
//   model_prompt() gives the prompt a model was trained to see: prefix-LM decoder-only rows start with
//   the shift-right token 0 (seqio's packing), so their prompts do too
//   encoder-decoder: the prompt is the encoder input, the decoder reads [decoder_start] ++ continuation
//                    shifted right, as in training
// Requests are batched in order (rows right-padded; causal attention and key padding keep padding out
// of every scored position) and the log-softmax runs over the full vocabulary in double precision.
#include <cstdint>
#include <vector>

#include "model/language_model.h"

namespace hone::eval {

struct ScoringRequest {
  std::vector<int32_t> prompt;        // non-empty for decoder-only (the first continuation token needs a context)
  std::vector<int32_t> continuation;  // non-empty
};

struct ContinuationScore {
  double log_prob = 0.0;  // sum over the continuation tokens
  int64_t tokens = 0;     // continuation length
  bool greedy = false;    // every continuation token is the argmax of its distribution
};

struct ScoringOptions {
  int64_t batch_size = 16;   // rows per forward pass
};

// The prompt as the model's training rows present inputs: [0] ++ prompt for a decoder-only prefix-LM model,
// the prompt unchanged otherwise.
std::vector<int32_t> model_prompt(const LanguageModel& model, std::vector<int32_t> prompt);

// Scores every request; the result is in request order. Invalid requests (empty parts, ids outside the
// vocabulary, too long for learned positions) are hone::Errors naming the request.
std::vector<ContinuationScore> score_continuations(const LanguageModel& model, const std::vector<ScoringRequest>& requests,
                                                   const ScoringOptions& options = {});

}  // namespace hone::eval
