#include "model/generation.h"

#include <algorithm>
#include <functional>
#include <span>

#include "backend/elementwise.h"
#include "core/rng.h"

namespace hone {
namespace {

using Prompts = std::vector<std::vector<int32_t>>;

void check_prompts(const Prompts& prompts, int64_t vocab_size) {
  for (size_t i = 0; i < prompts.size(); ++i) {
    HONE_CHECK(!prompts[i].empty(), "generate: prompt ", i, " is empty; a prompt needs at least one token");
    for (int32_t id : prompts[i])
      HONE_CHECK(id >= 0 && id < vocab_size, "generate: prompt ", i, " holds token id ", id, " outside the vocabulary of ",
                 vocab_size, ": was it encoded with this model's tokenizer?");
  }
}

Tensor host_ints(const Shape& shape, const std::vector<int32_t>& values) {
  Tensor t = Tensor::empty(shape, DType::I32);
  std::copy(values.begin(), values.end(), t.data<int32_t>());
  return t;
}

// Prompts [first, first + count) right-padded with 0 into I32 [count, longest].
Tensor padded(const Prompts& rows, size_t first, size_t count) {
  size_t longest = 0;
  for (size_t i = 0; i < count; ++i) longest = std::max(longest, rows[first + i].size());
  std::vector<int32_t> values(count * longest, 0);
  for (size_t i = 0; i < count; ++i) std::copy(rows[first + i].begin(), rows[first + i].end(), values.begin() + i * longest);
  return host_ints({static_cast<int64_t>(count), static_cast<int64_t>(longest)}, values);
}

// The rows of a batch being decoded: chooses each row's next token from its logits and records it.
class Decoding {
 public:
  Decoding(const GenerationOptions& options, size_t rows, uint64_t first_row)
      : options_(options), sampling_(options.sampling()), results_(rows), first_row_(first_row) {}

  // logits [rows, 1 or more, vocab]: reads position positions[r] of row r (0 when positions is empty).
  // Returns false once every row has finished.
  bool choose(const Tensor& logits, const std::vector<int64_t>& positions = {}) {
    const Tensor values = logits.dtype() == DType::F32 && logits.is_contiguous() ? logits : clone_as(logits, DType::F32);
    const int64_t vocab = values.size(-1), width = values.size(1);
    bool running = false;
    for (size_t r = 0; r < results_.size(); ++r) {
      GeneratedSequence& out = results_[r];
      if (finished(r)) continue;
      const int64_t position = positions.empty() ? 0 : positions[r];
      std::span<const float> row(values.data<float>() + (static_cast<int64_t>(r) * width + position) * vocab,
                                 static_cast<size_t>(vocab));
      const double uniform = random_uniform(options_.seed, first_row_ + r, static_cast<uint64_t>(step_));
      const int32_t token = sample_token(row, sampling_, uniform);
      out.tokens.push_back(token);
      out.logprobs.push_back(static_cast<float>(token_logprob(row, token)));
      out.stopped_at_eos = token == options_.eos_id;
      running |= !finished(r);
    }
    ++step_;
    return running;
  }

  bool finished(size_t r) const {
    return results_[r].stopped_at_eos || static_cast<int64_t>(results_[r].tokens.size()) >= options_.max_new_tokens;
  }
  // I32 [rows, 1]: each row's last token (finished rows repeat theirs; their outputs are not read).
  Tensor last_tokens() const {
    std::vector<int32_t> last(results_.size());
    for (size_t r = 0; r < results_.size(); ++r) last[r] = results_[r].tokens.back();
    return host_ints({static_cast<int64_t>(results_.size()), 1}, last);
  }
  std::vector<GeneratedSequence>& results() { return results_; }

 private:
  const GenerationOptions& options_;
  SamplingOptions sampling_;
  std::vector<GeneratedSequence> results_;
  uint64_t first_row_;
  int64_t step_ = 0;
};

// Runs decode_batch over chunks of batch_size prompts and concatenates the results.
std::vector<GeneratedSequence> in_batches(
    const Prompts& prompts, const GenerationOptions& options,
    const std::function<std::vector<GeneratedSequence>(size_t first, size_t count)>& decode_batch) {
  check_generation_options(options);
  std::vector<GeneratedSequence> all;
  all.reserve(prompts.size());
  const size_t step = options.batch_size > 0 ? static_cast<size_t>(options.batch_size) : std::max<size_t>(prompts.size(), 1);
  for (size_t first = 0; first < prompts.size(); first += step) {
    const size_t count = std::min(step, prompts.size() - first);
    if (options.max_new_tokens == 0) {
      all.resize(all.size() + count);
      continue;
    }
    for (GeneratedSequence& s : decode_batch(first, count)) all.push_back(std::move(s));
  }
  return all;
}

int64_t decoder_start(const GenerationOptions& options) {
  return options.decoder_start_id >= 0 ? options.decoder_start_id : 0;
}

GenerationOptions with_model_start(const LanguageModel& model, GenerationOptions options) {
  if (options.decoder_start_id < 0 && model.config().decoder_start_token_id >= 0)
    options.decoder_start_id = model.config().decoder_start_token_id;
  return options;
}

}  // namespace

void check_generation_options(const GenerationOptions& options) {
  HONE_CHECK(options.max_new_tokens >= 0, "generate: max_new_tokens must be >= 0, got ", options.max_new_tokens);
  HONE_CHECK(options.batch_size >= 0, "generate: batch_size must be >= 0 (0 decodes all prompts together), got ",
             options.batch_size);
  check_sampling_options(options.sampling());
}

std::vector<GeneratedSequence> generate(const DecoderOnlyModel& model, const Prompts& prompts,
                                        const GenerationOptions& options) {
  check_prompts(prompts, model.config().vocab_size);
  return in_batches(prompts, options, [&](size_t first, size_t count) {
    const Tensor tokens = padded(prompts, first, count);
    std::vector<int32_t> lengths(count);
    for (size_t i = 0; i < count; ++i) lengths[i] = static_cast<int32_t>(prompts[first + i].size());
    // The last new token is never fed back, so the cache holds max_new_tokens - 1 of them.
    DecoderOnlyCache cache = model.make_cache(tokens.size(0), tokens.size(1) + options.max_new_tokens - 1);
    Decoding decoding(options, count, options.first_sample_index + first);
    // The prefill's peak sizes the arena; every decode step needs less, so steps allocate nothing.
    Arena arena;
    // A prefix-LM model reads its prompt bidirectionally, as the input part of its training rows.
    Tensor prefix;
    if (model.config().prefix_lm) {
      std::vector<int32_t> flags(tokens.numel(), 0);
      for (size_t i = 0; i < count; ++i)
        std::fill_n(flags.begin() + static_cast<int64_t>(i) * tokens.size(1), lengths[i], 1);
      prefix = host_ints(tokens.shape(), flags);
    }
    bool running = decoding.choose(model.prefill(arena, cache, tokens, host_ints({tokens.size(0)}, lengths), prefix));
    while (running) {
      arena.reset();
      running = decoding.choose(model.decode_step(arena, cache, decoding.last_tokens()));
    }
    return std::move(decoding.results());
  });
}

std::vector<GeneratedSequence> generate(const EncoderDecoderModel& model, const Prompts& prompts,
                                        const GenerationOptions& options) {
  check_prompts(prompts, model.config().vocab_size);
  const int64_t start = decoder_start(options);
  HONE_CHECK(start < model.config().vocab_size, "generate: decoder start token ", start, " outside the vocabulary");
  return in_batches(prompts, options, [&](size_t first, size_t count) {
    const Tensor encoder_tokens = padded(prompts, first, count);
    EncoderDecoderCache cache = model.make_cache(encoder_tokens.size(0), encoder_tokens.size(1), options.max_new_tokens);
    Decoding decoding(options, count, options.first_sample_index + first);
    Arena arena;
    model.encode(arena, cache, encoder_tokens);
    arena.reset();
    const Tensor start_tokens = host_ints({encoder_tokens.size(0), 1}, std::vector<int32_t>(count, static_cast<int32_t>(start)));
    bool running = decoding.choose(model.decode_step(arena, cache, start_tokens));
    while (running) {
      arena.reset();
      running = decoding.choose(model.decode_step(arena, cache, decoding.last_tokens()));
    }
    return std::move(decoding.results());
  });
}

std::vector<GeneratedSequence> generate(const LanguageModel& model, const Prompts& prompts,
                                        const GenerationOptions& options) {
  if (model.is_encoder_decoder()) return generate(model.encoder_decoder(), prompts, with_model_start(model, options));
  return generate(model.decoder_only(), prompts, options);
}

std::vector<GeneratedSequence> generate_by_recomputation(const DecoderOnlyModel& model, const Prompts& prompts,
                                                         const GenerationOptions& options) {
  check_prompts(prompts, model.config().vocab_size);
  return in_batches(prompts, options, [&](size_t first, size_t count) {
    Decoding decoding(options, count, options.first_sample_index + first);
    Prompts sequences(prompts.begin() + static_cast<std::ptrdiff_t>(first),
                      prompts.begin() + static_cast<std::ptrdiff_t>(first + count));
    Arena arena;
    bool running = true;
    while (running) {
      // Each row's whole sequence so far, right-padded; row r predicts from its last real position.
      std::vector<int64_t> last(count);
      for (size_t r = 0; r < count; ++r) last[r] = static_cast<int64_t>(sequences[r].size()) - 1;
      DecoderOnlyBatch batch;
      batch.tokens = padded(sequences, 0, count);
      if (model.config().prefix_lm) {  // the original prompt is the bidirectional input part
        std::vector<int32_t> flags(batch.tokens.numel(), 0);
        for (size_t r = 0; r < count; ++r)
          std::fill_n(flags.begin() + static_cast<int64_t>(r) * batch.tokens.size(1), prompts[first + r].size(), 1);
        batch.prefix = host_ints(batch.tokens.shape(), flags);
      }
      running = decoding.choose(model.logits(arena, batch), last);
      for (size_t r = 0; r < count; ++r) sequences[r].push_back(decoding.results()[r].tokens.back());
      arena.reset();
    }
    return std::move(decoding.results());
  });
}

std::vector<GeneratedSequence> generate_by_recomputation(const EncoderDecoderModel& model, const Prompts& prompts,
                                                         const GenerationOptions& options) {
  check_prompts(prompts, model.config().vocab_size);
  const int32_t start = static_cast<int32_t>(decoder_start(options));
  return in_batches(prompts, options, [&](size_t first, size_t count) {
    const Tensor encoder_tokens = padded(prompts, first, count);
    Decoding decoding(options, count, options.first_sample_index + first);
    Prompts decoder(count, std::vector<int32_t>{start});
    Arena arena;
    bool running = true;
    while (running) {
      const std::vector<int64_t> last(count, static_cast<int64_t>(decoder[0].size()) - 1);
      running = decoding.choose(model.logits(arena, encoder_tokens, padded(decoder, 0, count)), last);
      for (size_t r = 0; r < count; ++r) decoder[r].push_back(decoding.results()[r].tokens.back());
      arena.reset();
    }
    return std::move(decoding.results());
  });
}

std::vector<GeneratedSequence> generate_by_recomputation(const LanguageModel& model, const Prompts& prompts,
                                                         const GenerationOptions& options) {
  if (model.is_encoder_decoder())
    return generate_by_recomputation(model.encoder_decoder(), prompts, with_model_start(model, options));
  return generate_by_recomputation(model.decoder_only(), prompts, options);
}

}  // namespace hone
