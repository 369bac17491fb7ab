#pragma once
// The infilling probe: can the model fill in a masked span? Chunks of held-out text get one span of
// span_length tokens replaced by a sentinel and the [NLU] mode tokens in front, exactly as UL2's R
// denoiser writes its examples (objectives/: noise_span_to_unique_sentinel for the inputs,
// nonnoise_span_to_unique_sentinel for the targets, EOS after both):
//
//   inputs  [NLU] left <extra_id_0> right EOS        targets  <extra_id_0> span <extra_id_1> EOS
//
// Two measures: the mean negative log-likelihood per target token (teacher-forced), and the share of
// examples whose greedy continuation reproduces the span exactly (the tokens between the two sentinels).
// A model trained only causally has never seen a sentinel and fails both; UL2R is what teaches it.
#include <cstdint>
#include <string>
#include <vector>

#include "model/language_model.h"

namespace hone::eval {

struct InfillingOptions {
  std::string dataset_dir;    // `hone tokenize` output (held-out text)
  std::string tokenizer_dir;  // with sentinels (T5 conventions) and, for mode_tokens "reserved", [NLU]
  std::string mode_tokens = "reserved";  // reserved | text | none (as the UL2R run used)
  int64_t examples = 200;
  int64_t context_length = 64;  // tokens around the span (documents shorter than this are skipped)
  int64_t span_length = 4;
  uint64_t seed = 0;            // span positions
  int64_t batch_size = 16;
};

struct InfillingResult {
  int64_t examples = 0;
  double target_nll = 0.0;     // mean per target token (sentinels, span, EOS)
  double span_exact_match = 0.0;
  double seconds = 0.0;
};

struct InfillingExample {
  std::vector<int32_t> source;   // the chunk of held-out text
  int64_t span_start = 0;        // where the masked span starts in it
  std::vector<int32_t> inputs;   // mode tokens, text with the sentinel, EOS
  std::vector<int32_t> targets;  // sentinel, span, sentinel, EOS
};

// The probe's examples (one pass over the dataset's documents in file order, at most options.examples).
std::vector<InfillingExample> infilling_examples(const InfillingOptions& options);

InfillingResult infilling_probe(const LanguageModel& model, const InfillingOptions& options);

}  // namespace hone::eval
