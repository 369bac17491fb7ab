#include "eval/infilling_probe.h"

#include <chrono>

#include "core/error.h"
#include "core/rng.h"
#include "data/document_chunks.h"
#include "eval/sequence_scoring.h"
#include "model/generation.h"
#include "objectives/denoiser.h"
#include "objectives/sentinels.h"
#include "objectives/tokenizer_mode_tokens.h"
#include "tokenize/tokenizer.h"

namespace hone::eval {
std::vector<InfillingExample> infilling_examples(const InfillingOptions& options) {
  HONE_CHECK(options.examples > 0 && options.batch_size > 0, "infilling probe: examples and batch_size must be positive");
  HONE_CHECK(options.span_length >= 1 && options.context_length >= options.span_length + 2,
             "infilling probe: context_length (", options.context_length, ") must exceed span_length (",
             options.span_length, ") by at least 2 so that text surrounds the span");
  const Tokenizer tokenizer = Tokenizer::load(options.tokenizer_dir);
  HONE_CHECK(tokenizer.sentinel_count() >= 2, "infilling probe: the tokenizer '", options.tokenizer_dir,
             "' has no sentinels (train it with --t5-conventions)");
  objectives::SentinelOptions sentinels;
  sentinels.vocab_size = tokenizer.vocab_size();
  sentinels.num_sentinels = tokenizer.sentinel_count();
  std::vector<int32_t> mode;
  if (options.mode_tokens != "none") mode = objectives::mode_tokens_for(options.mode_tokens, options.tokenizer_dir).nlu;

  DocumentChunks documents = DocumentChunks::open_directory(options.dataset_dir, 0, false);
  HONE_CHECK(documents.vocab_size() <= tokenizer.vocab_size(), "infilling probe: dataset '", options.dataset_dir,
             "' was not tokenized with '", options.tokenizer_dir, "'");
  std::vector<InfillingExample> examples;
  DocumentPosition position;
  while (static_cast<int64_t>(examples.size()) < options.examples && position.epoch == 0) {
    std::vector<int32_t> chunk = documents.read(position, options.context_length);
    if (static_cast<int64_t>(chunk.size()) < options.context_length) continue;
    const uint64_t index = examples.size();
    const int64_t room = options.context_length - options.span_length - 1;  // the span never touches an edge
    InfillingExample e;
    e.span_start = 1 + static_cast<int64_t>(random_u32(options.seed, 0x696e66696c6cULL, index) % room);
    std::vector<uint8_t> mask(chunk.size(), 0);
    std::fill_n(mask.begin() + e.span_start, options.span_length, 1);
    e.inputs = mode;
    for (int32_t id : objectives::noise_span_to_unique_sentinel(chunk, mask, sentinels)) e.inputs.push_back(id);
    e.inputs.push_back(tokenizer.eos_id());
    e.targets = objectives::nonnoise_span_to_unique_sentinel(chunk, mask, sentinels);
    e.targets.push_back(tokenizer.eos_id());
    e.source = std::move(chunk);
    examples.push_back(std::move(e));
  }
  HONE_CHECK(!examples.empty(), "infilling probe: no document of '", options.dataset_dir, "' has ",
             options.context_length, " tokens; lower the context length");
  return examples;
}

InfillingResult infilling_probe(const LanguageModel& model, const InfillingOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const std::vector<InfillingExample> examples = infilling_examples(options);
  HONE_CHECK(Tokenizer::load(options.tokenizer_dir).vocab_size() <= model.config().vocab_size,
             "infilling probe: the tokenizer '", options.tokenizer_dir, "' has more ids than the model (",
             model.config().vocab_size, ")");
  std::vector<ScoringRequest> requests;
  std::vector<std::vector<int32_t>> prompts;
  for (const InfillingExample& e : examples) {
    requests.push_back({model_prompt(model, e.inputs), e.targets});
    prompts.push_back(requests.back().prompt);
  }
  InfillingResult result;
  result.examples = static_cast<int64_t>(examples.size());
  double nll = 0;
  int64_t tokens = 0;
  for (const ContinuationScore& s : score_continuations(model, requests, {options.batch_size})) {
    nll -= s.log_prob;
    tokens += s.tokens;
  }
  result.target_nll = nll / static_cast<double>(tokens);

  GenerationOptions greedy;
  greedy.max_new_tokens = options.span_length + 2;  // sentinel, span, sentinel
  greedy.batch_size = options.batch_size;
  const std::vector<GeneratedSequence> generated = generate(model, prompts, greedy);
  int64_t exact = 0;
  for (size_t i = 0; i < examples.size(); ++i) {
    const std::vector<int32_t>& out = generated[i].tokens;
    const std::vector<int32_t>& want = examples[i].targets;  // s0 span s1 EOS
    exact += out.size() >= want.size() - 1 && std::equal(want.begin(), want.end() - 1, out.begin());
  }
  result.span_exact_match = static_cast<double>(exact) / static_cast<double>(examples.size());
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace hone::eval
