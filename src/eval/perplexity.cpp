#include "eval/perplexity.h"

#include <chrono>
#include <cmath>

#include "core/error.h"
#include "data/packed_dataset.h"
#include "eval/sequence_scoring.h"

namespace hone::eval {

double PerplexityResult::perplexity() const { return std::exp(mean_nll); }

PerplexityResult held_out_perplexity(const LanguageModel& model, const PerplexityOptions& options) {
  HONE_CHECK(!model.is_encoder_decoder(),
             "perplexity of running text needs a decoder-only model; for an encoder-decoder, use the held-out "
             "loss of its training objective (the trainer's eval)");
  HONE_CHECK(options.sequence_length > 0 && options.batch_size > 0, "perplexity: sequence_length and batch_size must be positive");
  const auto start = std::chrono::steady_clock::now();
  PackedDataset data = PackedDataset::open_directory(
      options.dataset_dir, PackedDatasetOptions{.sequence_length = options.sequence_length, .shuffle = false});
  HONE_CHECK(data.vocab_size() <= model.config().vocab_size, "perplexity: the dataset's vocabulary (", data.vocab_size(),
             ") is larger than the model's (", model.config().vocab_size, "); tokenize it with the model's tokenizer");
  // One pass: every stream token after the first is a target once (the windows share one token).
  const int64_t stream = data.token_count() + data.document_count();
  int64_t windows = std::max<int64_t>(1, (stream - 1) / options.sequence_length);
  if (options.max_tokens > 0)
    windows = std::min(windows, (options.max_tokens + options.sequence_length - 1) / options.sequence_length);

  PerplexityResult result;
  double total = 0.0;
  std::vector<int32_t> tokens(options.sequence_length + 1), segments(options.sequence_length + 1);
  for (int64_t first = 0; first < windows; first += options.batch_size) {
    std::vector<ScoringRequest> requests;
    for (int64_t w = first; w < std::min(windows, first + options.batch_size); ++w) {
      data.next_window(tokens.data(), segments.data());
      requests.push_back({{tokens[0]}, std::vector<int32_t>(tokens.begin() + 1, tokens.end())});
    }
    for (const ContinuationScore& s : score_continuations(model, requests, {options.batch_size})) {
      total -= s.log_prob;
      result.tokens += s.tokens;
    }
  }
  result.mean_nll = total / static_cast<double>(result.tokens);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace hone::eval
