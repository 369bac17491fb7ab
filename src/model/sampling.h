#pragma once
// Choosing the next token from one row of logits: greedy, or a draw from softmax(logits / temperature)
// restricted to the top_k most likely tokens and then to the smallest set of them whose probability
// mass reaches top_p (Hugging Face's TopK then TopP warpers: top-p acts on the top-k set renormalised).
// The draw takes its uniform number from the caller, so the caller decides the random stream.
#include <cstdint>
#include <span>
#include <vector>

namespace hone {

struct SamplingOptions {
  double temperature = 0.0;  // 0: greedy (argmax, lowest id on ties)
  int64_t top_k = 0;         // 0: no limit; 1: greedy at any temperature
  double top_p = 1.0;        // in (0, 1]; 1: no nucleus cut
};

// Throws hone::Error for a negative or non-finite temperature, top_k < 0, or top_p outside (0, 1].
void check_sampling_options(const SamplingOptions& options);

// True when the options always pick the argmax.
bool is_greedy(const SamplingOptions& options);

// The distribution a draw picks from, over the whole vocabulary (zero outside the kept set, sums to 1;
// a one-hot on the argmax when greedy). For tests and for inspecting a model's choices.
std::vector<double> sampling_distribution(std::span<const float> logits, const SamplingOptions& options);

// The token for uniform in [0, 1): kept tokens are visited from most to least likely (ties: lower id
// first) and the first whose cumulative probability exceeds uniform is chosen.
int32_t sample_token(std::span<const float> logits, const SamplingOptions& options, double uniform);

// log softmax(logits)[token] in double precision (the model's own probability, before temperature).
double token_logprob(std::span<const float> logits, int32_t token);

}  // namespace hone
