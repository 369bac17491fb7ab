// End-to-end training throughput: full steps (forward, backward, AdamW step, zeroing the gradients) of
// the three models of issue 3 section 7, printed as JSON lines that bench/compare_train.py sets beside
// bench/torch_train.py (PyTorch eager, same architecture, threads and OpenBLAS).
// Memory is reported two ways: what hone accounts for (parameters + gradients + AdamW moments + the
// activation arenas' high-water marks) and the growth of the process's peak RSS over the run, which is
// also what the PyTorch peer reports.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/threads.h"
#include "model/decoder_only.h"
#include "model/encoder_decoder.h"
#include "train/adamw.h"

using namespace hone;

namespace {

struct BenchCase {
  std::string name;
  ModelConfig config;
  int64_t batch, source, target;  // source = 0 for decoder-only
};

ModelConfig decoder_only(int64_t vocab, int64_t d_model, int64_t d_ff, int64_t layers, int64_t heads, Activation act,
                         int64_t positions) {
  ModelConfig c = style_defaults(ModelStyle::Llama);
  c.vocab_size = vocab;
  c.d_model = d_model;
  c.d_ff = d_ff;
  c.n_decoder_layers = layers;
  c.n_heads = c.n_kv_heads = heads;
  c.d_kv = d_model / heads;
  c.max_positions = positions;
  c.activation = act;
  return c;
}

ModelConfig t5(int64_t vocab, int64_t d_model, int64_t d_ff, int64_t layers, int64_t heads) {
  ModelConfig c = style_defaults(ModelStyle::T5);
  c.vocab_size = vocab;
  c.d_model = d_model;
  c.d_ff = d_ff;
  c.n_encoder_layers = c.n_decoder_layers = layers;
  c.n_heads = c.n_kv_heads = heads;
  c.d_kv = d_model / heads;
  c.activation = Activation::GeluTanh;  // T5 v1.1: gated-GELU, untied head
  c.gated = true;
  c.tie_embeddings = false;
  return c;
}

std::vector<BenchCase> cases() {
  return {
      {"decoder d256 4L gated-gelu v8192 T256 B8", decoder_only(8192, 256, 1024, 4, 4, Activation::GeluTanh, 256), 8, 0,
       256},
      {"llama d512 8L swiglu v32000 T512 B4", decoder_only(32000, 512, 2048, 8, 8, Activation::SiLU, 512), 4, 0, 512},
      {"t5 v1.1 d256 4+4L v8192 S256 T64 B8", t5(8192, 256, 1024, 4, 4), 8, 256, 64},
  };
}

// Tokens in [1, vocab): no T5 padding (id 0) anywhere, so every position is attended to and counts in the loss.
Tensor random_tokens(int64_t batch, int64_t length, int64_t vocab, uint64_t seed) {
  Tensor t = Tensor::empty({batch, length}, DType::I32);
  uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
  for (int64_t i = 0; i < t.numel(); ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    t.data<int32_t>()[i] = static_cast<int32_t>(1 + (state >> 33) % static_cast<uint64_t>(vocab - 1));
  }
  return t;
}

// User + system CPU time of the process: on a busy machine wall time depends on what else runs, CPU
// time much less (with OMP_WAIT_POLICY=passive, waiting threads sleep instead of spinning).
double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

size_t peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<size_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

Recompute parse_recompute(const std::string& s) {
  if (s == "none") return Recompute::None;
  if (s == "activations") return Recompute::Activations;
  if (s == "layer") return Recompute::Layer;
  std::fprintf(stderr, "unknown recompute level '%s': use none, activations or layer\n", s.c_str());
  std::exit(2);
}

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v ? std::max(1, std::atoi(v)) : fallback;
}

// Runs warmup + timed steps of one case and prints its JSON line.
void run(const BenchCase& c, const std::string& recompute_name) {
  const size_t rss_before = peak_rss_bytes();
  const int warmup = env_int("BENCH_WARMUP", 2), steps = env_int("BENCH_STEPS", 5);
  const Recompute level = parse_recompute(recompute_name);
  std::unique_ptr<DecoderOnlyModel> decoder;
  std::unique_ptr<EncoderDecoderModel> seq2seq;
  ParameterStore* params = nullptr;
  if (c.config.is_encoder_decoder()) {
    seq2seq = std::make_unique<EncoderDecoderModel>(encoder_decoder_config(c.config));
    seq2seq->initialize(1);
    seq2seq->set_recompute(level);
    params = &seq2seq->params();
  } else {
    decoder = std::make_unique<DecoderOnlyModel>(c.config);
    decoder->initialize(1);
    decoder->set_recompute(level);
    params = &decoder->params();
  }
  AdamWConfig adamw;
  adamw.weight_decay = 0.01;
  AdamW optimizer(*params, adamw);

  // Decoder-only: next-token targets of one random stream. T5: random source and target.
  EncoderDecoderBatch t5_batch;
  DecoderOnlyBatch lm_batch;
  const int64_t vocab = c.config.vocab_size;
  if (seq2seq) {
    t5_batch.encoder_input_tokens = random_tokens(c.batch, c.source, vocab, 11);
    t5_batch.decoder_target_tokens = random_tokens(c.batch, c.target, vocab, 12);
    t5_batch.decoder_input_tokens = Tensor::empty({c.batch, c.target}, DType::I32);
    for (int64_t b = 0; b < c.batch; ++b) {
      int32_t* in = t5_batch.decoder_input_tokens.data<int32_t>() + b * c.target;
      const int32_t* out = t5_batch.decoder_target_tokens.data<int32_t>() + b * c.target;
      in[0] = 0;  // T5 decoder start = pad
      for (int64_t t = 1; t < c.target; ++t) in[t] = out[t - 1];
    }
  } else {
    Tensor stream = random_tokens(c.batch, c.target + 1, vocab, 13);
    lm_batch.tokens = Tensor::empty({c.batch, c.target}, DType::I32);
    lm_batch.targets = Tensor::empty({c.batch, c.target}, DType::I32);
    for (int64_t b = 0; b < c.batch; ++b)
      for (int64_t t = 0; t < c.target; ++t) {
        lm_batch.tokens.data<int32_t>()[b * c.target + t] = stream.data<int32_t>()[b * (c.target + 1) + t];
        lm_batch.targets.data<int32_t>()[b * c.target + t] = stream.data<int32_t>()[b * (c.target + 1) + t + 1];
      }
  }

  Arena arena;
  double loss = 0;
  auto step = [&] {
    loss = seq2seq ? seq2seq->forward_backward(arena, t5_batch).loss : decoder->forward_backward(arena, lm_batch).loss;
    optimizer.step(1e-4);
    params->zero_grads();
    arena.reset();
  };
  for (int i = 0; i < warmup; ++i) step();
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = cpu_seconds();
  for (int i = 0; i < steps; ++i) step();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = cpu_seconds() - cpu_start;

  const int64_t tokens = c.batch * (c.source + c.target);
  const size_t param_bytes = static_cast<size_t>(params->numel()) * 4;
  const size_t scratch = seq2seq ? seq2seq->scratch_arena().peak() : decoder->scratch_arena().peak();
  const size_t accounted = 4 * param_bytes + arena.peak() + scratch;
  std::printf(
      "{\"name\": \"%s\", \"recompute\": \"%s\", \"tokens_per_s\": %.1f, \"ms_per_step\": %.2f, "
      "\"tokens_per_cpu_s\": %.1f, \"loss\": %.4f, "
      "\"params\": %lld, \"param_state_bytes\": %zu, \"arena_bytes\": %zu, \"accounted_bytes\": %zu, "
      "\"rss_delta_bytes\": %zu}\n",
      c.name.c_str(), recompute_name.c_str(), tokens * steps / seconds, 1e3 * seconds / steps, tokens * steps / cpu, loss,
      static_cast<long long>(params->numel()), 4 * param_bytes, arena.peak() + scratch, accounted,
      peak_rss_bytes() - rss_before);
  std::fflush(stdout);
}

}  // namespace

// Usage: train_throughput_bench --list | NAME-SUBSTRING [--recompute none|activations|layer]
// One case per process, so that the peak-RSS growth belongs to that case alone.
int main(int argc, char** argv) {
  const std::string arg = argc > 1 ? argv[1] : "";
  std::string recompute = "none";
  for (int i = 2; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--recompute") == 0) recompute = argv[i + 1];
  for (const BenchCase& c : cases()) {
    if (arg == "--list") std::printf("%s\n", c.name.c_str());
    else if (c.name.find(arg) != std::string::npos) run(c, recompute);
  }
}
