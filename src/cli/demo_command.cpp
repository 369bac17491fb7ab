// `hone demo`: the engine at work — a 2-layer decoder-only transformer learns to copy and reverse
// random strings from scratch on the CPU, then decodes held-out strings greedily.
#include <cstdio>
#include <filesystem>

#include "cli/commands.h"
#include "cli/progress.h"
#include "core/error.h"
#include "core/threads.h"
#include "train/sequence_task_demo.h"

namespace hone::cli {

void register_demo(CLI::App& app) {
  struct Args {
    SequenceDemoOptions options;
    int threads = 0;
    std::string out;
  };
  auto args = std::make_shared<Args>();
  CLI::App* command = add_command(app, "demo", "Train a tiny model end to end on generated data (copy/reverse task)", [args] {
    SequenceDemoOptions options = args->options;
    if (args->threads > 0) set_num_threads(args->threads);
    if (!args->out.empty()) {
      std::error_code error;
      std::filesystem::create_directories(args->out, error);
      HONE_CHECK(!error, "cannot create output directory ", args->out, ": ", error.message());
      options.metrics_path = (std::filesystem::path(args->out) / "metrics.jsonl").string();
    }
    std::printf("hone demo: a %ld-layer decoder-only transformer (d_model %ld, %ld heads, SwiGLU, RoPE) learns to copy and\n"
                "reverse strings of %ld symbols; %d threads. Stops when the loss is below %.3g.\n",
                static_cast<long>(options.model.n_decoder_layers), static_cast<long>(options.model.d_model),
                static_cast<long>(options.model.n_heads), static_cast<long>(options.task.length), num_threads(),
                options.target_loss);
    ProgressLine progress(100);
    SequenceDemoResult result = run_sequence_demo(options, [&](const SequenceDemoProgress& p) {
      char status[160];
      std::snprintf(status, sizeof status, "loss %.4f (mean %.4f) lr %.2e | %.0f tok/s", p.loss, p.smoothed_loss, p.lr,
                    p.tokens_per_second);
      progress.update(p.step, p.max_steps, p.elapsed_seconds, status);
    });
    progress.finish();
    std::printf("\n%s after %ld steps (%.1f s), %ld parameters, final loss %.4f\n",
                result.converged ? "Converged" : "Stopped at the step limit", static_cast<long>(result.steps),
                result.seconds, static_cast<long>(result.parameters), result.final_loss);
    std::printf("Held-out strings, greedy decoding: %.1f%% exactly right, %.1f%% of tokens right\n\n",
                100 * result.exact_match, 100 * result.token_accuracy);
    for (const auto& s : result.samples) {
      std::printf("  %-32s -> %-18s (expected %s)%s\n", s.prompt.c_str(), s.generated.c_str(), s.expected.c_str(),
                  s.generated == s.expected ? "" : "  x");
    }
    if (!args->out.empty()) std::printf("\nmetrics: %s\n", options.metrics_path.c_str());
    HONE_CHECK(result.converged, "the demo did not reach loss ", options.target_loss, " in ", result.steps,
               " steps: raise --steps");
  });
  command->add_option("--steps", args->options.max_steps, "Step limit")->check(CLI::Range(int64_t{1}, int64_t{10000000}))->capture_default_str();
  command->add_option("--batch", args->options.batch, "Sequences per step")->check(CLI::Range(int64_t{1}, int64_t{65536}))->capture_default_str();
  command->add_option("--length", args->options.task.length, "Symbols per string")->check(CLI::Range(int64_t{1}, int64_t{512}))->capture_default_str();
  command->add_option("--lr", args->options.peak_lr, "Peak learning rate")->check(CLI::PositiveNumber)->capture_default_str();
  command->add_option("--target-loss", args->options.target_loss, "Stop below this loss")->capture_default_str();
  command->add_option("--seed", args->options.seed, "Seed for data and initialisation")->capture_default_str();
  command->add_option("--threads", args->threads, "Threads for BLAS and kernels (default: all cores)")->check(CLI::Range(1, 4096));
  command->add_option("--out", args->out, "Directory for metrics.jsonl");
}

}  // namespace hone::cli
