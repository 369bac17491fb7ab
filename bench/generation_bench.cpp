// Tokens/s of generation with the key/value cache against recomputing the whole sequence for every new
// token (generate_by_recomputation), 256 greedy tokens per row, for a small Llama-style model and a
// small T5. Prints one JSON line per case and the speed-up.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>

#include "backend/elementwise.h"
#include "core/rng.h"
#include "core/threads.h"
#include "model/generation.h"

using namespace hone;

namespace {

constexpr int64_t kNewTokens = 256, kBatch = 4, kPromptLength = 32, kVocab = 8192;

ModelConfig llama_config() {
  ModelConfig c = style_defaults(ModelStyle::Llama);
  c.vocab_size = kVocab;
  c.d_model = 256;
  c.n_heads = 4;
  c.n_kv_heads = 4;
  c.d_kv = 64;
  c.d_ff = 704;
  c.n_decoder_layers = 4;
  c.max_positions = 1024;
  return c;
}

ModelConfig t5_config() {
  ModelConfig c = style_defaults(ModelStyle::T5);
  c.vocab_size = kVocab;
  c.d_model = 256;
  c.n_heads = 4;
  c.n_kv_heads = 4;
  c.d_kv = 64;
  c.d_ff = 704;
  c.n_encoder_layers = 4;
  c.n_decoder_layers = 4;
  c.max_positions = 1024;
  return c;
}

std::vector<std::vector<int32_t>> prompts() {
  std::vector<std::vector<int32_t>> p(kBatch, std::vector<int32_t>(kPromptLength));
  for (int64_t b = 0; b < kBatch; ++b)
    for (int64_t i = 0; i < kPromptLength; ++i)
      p[b][i] = 1 + static_cast<int32_t>(random_u32(11, static_cast<uint64_t>(b), static_cast<uint64_t>(i)) % (kVocab - 1));
  return p;
}

double seconds_of(const std::function<void()>& run) {
  const auto start = std::chrono::steady_clock::now();
  run();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void bench(const char* name, const ModelConfig& config) {
  LanguageModel model(config);
  model.initialize(1);
  const auto rows = prompts();
  GenerationOptions options;
  options.max_new_tokens = kNewTokens;
  std::vector<GeneratedSequence> cached, recomputed;
  seconds_of([&] { generate(model, rows, options); });  // warm-up: page faults, BLAS buffers
  const double cached_s = seconds_of([&] { cached = generate(model, rows, options); });
  const double recomputed_s = seconds_of([&] { recomputed = generate_by_recomputation(model, rows, options); });
  bool same = true;
  for (size_t i = 0; i < rows.size(); ++i) same &= cached[i].tokens == recomputed[i].tokens;
  const double tokens = static_cast<double>(kBatch * kNewTokens);
  std::printf("{\"name\": \"%s\", \"batch\": %ld, \"prompt\": %ld, \"new_tokens\": %ld, \"threads\": %d, "
              "\"cached_tokens_per_s\": %.1f, \"recompute_tokens_per_s\": %.1f, \"speedup\": %.2f, \"same_tokens\": %s}\n",
              name, static_cast<long>(kBatch), static_cast<long>(kPromptLength), static_cast<long>(kNewTokens), num_threads(),
              tokens / cached_s, tokens / recomputed_s, recomputed_s / cached_s, same ? "true" : "false");
  std::fflush(stdout);
}

}  // namespace

int main() {
  bench("generate llama d256 L4 V8192", llama_config());
  bench("generate t5 d256 L4+4 V8192", t5_config());
  return 0;
}
