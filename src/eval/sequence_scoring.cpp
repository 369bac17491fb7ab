#include "eval/sequence_scoring.h"

#include <algorithm>
#include <cmath>

#include "core/arena.h"
#include "core/error.h"

namespace hone::eval {
namespace {

void check_request(const LanguageModel& model, const ScoringRequest& r, size_t index) {
  const ModelConfig& c = model.config();
  HONE_CHECK(!r.continuation.empty(), "scoring request ", index, " has an empty continuation");
  HONE_CHECK(c.is_encoder_decoder() || !r.prompt.empty(), "scoring request ", index,
             " has an empty prompt; a decoder-only model needs at least one context token (e.g. BOS)");
  for (const auto* part : {&r.prompt, &r.continuation})
    for (int32_t id : *part)
      HONE_CHECK(id >= 0 && id < c.vocab_size, "scoring request ", index, ": token id ", id,
                 " is outside the vocabulary [0, ", c.vocab_size, ")");
  if (c.positions() == PositionKind::Learned) {
    const size_t length = r.prompt.size() + r.continuation.size() - 1;
    HONE_CHECK(static_cast<int64_t>(length) <= c.max_positions, "scoring request ", index, " needs ", length,
               " positions; the model has ", c.max_positions);
  }
}

// Log-probability of `target` under the logits row, and whether it is the argmax (ties count for the
// target, so an all-equal row is "greedy").
std::pair<double, bool> token_log_prob(const float* row, int64_t vocab, int32_t target) {
  float max_value = row[0];
  for (int64_t v = 1; v < vocab; ++v) max_value = std::max(max_value, row[v]);
  double sum = 0.0;
  for (int64_t v = 0; v < vocab; ++v) sum += std::exp(static_cast<double>(row[v]) - max_value);
  return {static_cast<double>(row[target]) - max_value - std::log(sum), row[target] >= max_value};
}

}  // namespace

std::vector<int32_t> model_prompt(const LanguageModel& model, std::vector<int32_t> prompt) {
  if (!model.is_encoder_decoder() && model.config().prefix_lm) prompt.insert(prompt.begin(), 0);
  return prompt;
}

std::vector<ContinuationScore> score_continuations(const LanguageModel& model, const std::vector<ScoringRequest>& requests,
                                                   const ScoringOptions& options) {
  HONE_CHECK(options.batch_size > 0, "scoring: batch_size must be positive, got ", options.batch_size);
  for (size_t i = 0; i < requests.size(); ++i) check_request(model, requests[i], i);
  const ModelConfig& config = model.config();
  const int64_t vocab = config.vocab_size;
  const int32_t decoder_start = static_cast<int32_t>(std::max<int64_t>(config.decoder_start_token_id, 0));
  std::vector<ContinuationScore> scores(requests.size());
  Arena arena;
  for (size_t first = 0; first < requests.size(); first += options.batch_size) {
    const size_t last = std::min(requests.size(), first + static_cast<size_t>(options.batch_size));
    const int64_t rows = static_cast<int64_t>(last - first);
    Tensor logits;
    // Position in row b of the logits that predict continuation token t.
    std::vector<int64_t> offset(rows);
    if (model.is_encoder_decoder()) {
      int64_t source = 1, target = 1;
      for (size_t i = first; i < last; ++i) {
        source = std::max<int64_t>(source, requests[i].prompt.size());
        target = std::max<int64_t>(target, requests[i].continuation.size());
      }
      Tensor encoder = Tensor::zeros({rows, source}, DType::I32);
      Tensor decoder = Tensor::zeros({rows, target}, DType::I32);
      for (int64_t b = 0; b < rows; ++b) {
        const ScoringRequest& r = requests[first + b];
        std::copy(r.prompt.begin(), r.prompt.end(), encoder.data<int32_t>() + b * source);
        int32_t* d = decoder.data<int32_t>() + b * target;
        d[0] = decoder_start;
        std::copy(r.continuation.begin(), r.continuation.end() - 1, d + 1);
        offset[b] = 0;
      }
      logits = model.encoder_decoder().logits(arena, encoder, decoder);
    } else {
      int64_t length = 1;
      for (size_t i = first; i < last; ++i)
        length = std::max<int64_t>(length, requests[i].prompt.size() + requests[i].continuation.size() - 1);
      DecoderOnlyBatch batch;
      batch.tokens = Tensor::zeros({rows, length}, DType::I32);
      // A prefix-LM model reads the prompt bidirectionally, as the input part of its training rows.
      if (config.prefix_lm) batch.prefix = Tensor::zeros({rows, length}, DType::I32);
      for (int64_t b = 0; b < rows; ++b) {
        const ScoringRequest& r = requests[first + b];
        int32_t* t = batch.tokens.data<int32_t>() + b * length;
        std::copy(r.prompt.begin(), r.prompt.end(), t);
        std::copy(r.continuation.begin(), r.continuation.end() - 1, t + r.prompt.size());
        if (config.prefix_lm) std::fill_n(batch.prefix.data<int32_t>() + b * length, r.prompt.size(), 1);
        offset[b] = static_cast<int64_t>(r.prompt.size()) - 1;
      }
      logits = model.decoder_only().logits(arena, batch);
    }
    const int64_t positions = logits.size(1);
    for (int64_t b = 0; b < rows; ++b) {
      const ScoringRequest& r = requests[first + b];
      ContinuationScore& s = scores[first + b];
      s.tokens = static_cast<int64_t>(r.continuation.size());
      s.greedy = true;
      for (size_t t = 0; t < r.continuation.size(); ++t) {
        const float* row = logits.data<float>() + ((b * positions) + offset[b] + static_cast<int64_t>(t)) * vocab;
        const auto [log_prob, is_max] = token_log_prob(row, vocab, r.continuation[t]);
        s.log_prob += log_prob;
        s.greedy = s.greedy && is_max;
      }
    }
    arena.reset();
  }
  return scores;
}

}  // namespace hone::eval
