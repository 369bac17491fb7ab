#pragma once
// Held-out perplexity of a decoder-only model on token shards (`hone tokenize` output): the shards' document
// stream in file order (EOS after each document, as in training) cut into windows of sequence_length + 1
// tokens; each window's first token is context and the rest are scored. perplexity = exp(mean NLL).
#include <cstdint>
#include <string>

#include "model/language_model.h"

namespace hone::eval {

struct PerplexityOptions {
  std::string dataset_dir;
  int64_t sequence_length = 256;
  int64_t max_tokens = 0;  // scored tokens, rounded up to whole windows; 0: one pass over the data
  int64_t batch_size = 8;
};

struct PerplexityResult {
  int64_t tokens = 0;
  double mean_nll = 0.0;  // nats per token
  double perplexity() const;
  double seconds = 0.0;
};

PerplexityResult held_out_perplexity(const LanguageModel& model, const PerplexityOptions& options);

}  // namespace hone::eval
