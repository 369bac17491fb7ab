#include "train/sequence_task_demo.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "backend/elementwise.h"
#include "core/log.h"
#include "model/generation.h"
#include "train/adamw.h"
#include "train/schedule.h"

namespace hone {
namespace {

std::string render(const int32_t* tokens, int64_t n) {
  std::ostringstream out;
  for (int64_t i = 0; i < n; ++i) {
    const int32_t t = tokens[i];
    if (i) out << ' ';
    if (t == kCopyToken) out << "copy:";
    else if (t == kReverseToken) out << "reverse:";
    else if (t == kSepToken) out << "=>";
    else if (t >= kFirstSymbolToken) out << static_cast<char>('a' + (t - kFirstSymbolToken));
    else out << '<' << t << '>';
  }
  return out.str();
}

// Greedy decoding of the answers of a held-out batch: the model writes the n answer tokens one at a
// time after the prompt, each step reading its own output (no teacher forcing), with the KV cache.
void evaluate(DecoderOnlyModel& model, const SequenceDemoOptions& options, SequenceDemoResult& result) {
  const int64_t n = options.task.length, width = 2 * n + 2, count = options.eval_examples;
  SequenceTaskBatch held_out = make_sequence_task_batch(options.task, count, options.seed + 1, 0);
  const int32_t* truth = held_out.inputs.data<int32_t>();
  const int32_t* targets = held_out.targets.data<int32_t>();
  // The prompt is everything up to the separator: position n + 2 predicts answer token 0.
  std::vector<std::vector<int32_t>> prompts(static_cast<size_t>(count));
  for (int64_t b = 0; b < count; ++b) prompts[b].assign(truth + b * width, truth + b * width + n + 3);
  GenerationOptions greedy;
  greedy.max_new_tokens = n;
  const std::vector<GeneratedSequence> answers = generate(model, prompts, greedy);
  std::vector<int32_t> generated(static_cast<size_t>(count * n));
  for (int64_t b = 0; b < count; ++b) std::copy(answers[b].tokens.begin(), answers[b].tokens.end(), generated.begin() + b * n);
  int64_t exact = 0, correct = 0;
  for (int64_t b = 0; b < count; ++b) {
    bool all = true;
    for (int64_t i = 0; i < n; ++i) {
      const bool ok = generated[b * n + i] == targets[b * width + n + 2 + i];
      correct += ok;
      all &= ok;
    }
    exact += all;
    if (b < 4) {
      result.samples.push_back({render(truth + b * width + 1, n + 2), render(targets + b * width + n + 2, n),
                                render(generated.data() + b * n, n)});
    }
  }
  result.exact_match = static_cast<double>(exact) / count;
  result.token_accuracy = static_cast<double>(correct) / (count * n);
}

}  // namespace

ModelConfig default_demo_model() {
  ModelConfig c = style_defaults(ModelStyle::Llama);
  c.d_model = 64;
  c.n_decoder_layers = 2;
  c.n_heads = 4;
  c.n_kv_heads = 4;
  c.d_kv = 16;
  c.d_ff = 256;
  // The task's small vocabulary has no Llama bos/eos ids.
  c.bos_token_id = -1;
  c.eos_token_id = -1;
  return c;
}

SequenceDemoResult run_sequence_demo(const SequenceDemoOptions& options,
                                     const std::function<void(const SequenceDemoProgress&)>& on_progress) {
  ModelConfig config = options.model;
  config.vocab_size = sequence_task_vocab(options.task);
  DecoderOnlyModel model(config);
  model.initialize(options.seed);

  std::ofstream metrics;
  if (!options.metrics_path.empty()) {
    metrics.open(options.metrics_path);
    HONE_CHECK(metrics.good(), "cannot write metrics to ", options.metrics_path, ": check the directory exists and is writable");
  }

  AdamW optimizer(model.params(), AdamWConfig{0.9, 0.98, 1e-8, options.weight_decay, 1.0});
  WarmupCosineSchedule schedule{options.peak_lr, options.warmup_steps, options.max_steps, 0.1};
  Arena arena;
  SequenceDemoResult result;
  result.parameters = model.params().numel();
  result.parameters_non_embedding = result.parameters - config.vocab_size * config.d_model;
  const auto start = std::chrono::steady_clock::now();
  double smoothed = 0.0;
  const int64_t tokens_per_step = options.batch * (2 * options.task.length + 2);
  for (int64_t step = 0; step < options.max_steps; ++step) {
    SequenceTaskBatch batch = make_sequence_task_batch(options.task, options.batch, options.seed,
                                                       static_cast<uint64_t>(step * options.batch));
    model.params().zero_grads();
    LossResult loss = model.forward_backward(arena, batch.inputs, batch.targets);
    arena.reset();
    const double lr = schedule.at(step);
    const double grad_norm = optimizer.step(lr);
    smoothed = step == 0 ? loss.loss : 0.95 * smoothed + 0.05 * loss.loss;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    SequenceDemoProgress progress{step + 1, options.max_steps, loss.loss, smoothed, lr, grad_norm,
                                  tokens_per_step * (step + 1) / std::max(elapsed, 1e-9), elapsed,
                                  tokens_per_step * (step + 1)};
    if (metrics.is_open()) {
      metrics << "{\"step\": " << step + 1 << ", \"loss\": " << loss.loss << ", \"lr\": " << lr
              << ", \"grad_norm\": " << grad_norm << ", \"tokens_per_second\": " << progress.tokens_per_second << "}\n";
    }
    if (on_progress) on_progress(progress);
    result.steps = step + 1;
    result.tokens = tokens_per_step * (step + 1);
    result.final_loss = smoothed;
    if (!std::isfinite(loss.loss)) fail("the loss became ", loss.loss, " at step ", step + 1, ": lower --lr");
    if (step >= options.warmup_steps && smoothed < options.target_loss) {
      result.converged = true;
      break;
    }
  }
  evaluate(model, options, result);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace hone
