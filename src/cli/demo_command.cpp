// `hone demo`: the engine at work — a 2-layer decoder-only transformer learns to copy and reverse
// random strings from scratch on the CPU, then decodes held-out strings greedily.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli/commands.h"
#include "cli/progress.h"
#include "core/error.h"
#include "core/threads.h"
#include "scaling/run_registry.h"
#include "train/sequence_task_demo.h"

namespace hone::cli {
namespace {

// The registry the demo records into: --registry PATH must work (an error otherwise); the default
// location is best effort, so a read-only HOME gives a warning, not a failed demo.
std::unique_ptr<scaling::RunRegistry> open_demo_registry(const std::string& path, bool disabled) {
  if (disabled) return nullptr;
  if (!path.empty()) return std::make_unique<scaling::RunRegistry>(path);
  try {
    return std::make_unique<scaling::RunRegistry>(scaling::default_registry_path());
  } catch (const Error& e) {
    std::fprintf(stderr, "hone: warning: this run will not be registered: %s (pass --registry PATH or --no-registry)\n", e.what());
    return nullptr;
  }
}

nlohmann::ordered_json demo_config_json(const SequenceDemoOptions& o, int threads) {
  return {{"task", "copy/reverse"},
          {"length", o.task.length},
          {"d_model", o.model.d_model},
          {"n_layers", o.model.n_decoder_layers},
          {"n_heads", o.model.n_heads},
          {"d_ff", o.model.d_ff},
          {"batch", o.batch},
          {"max_steps", o.max_steps},
          {"peak_lr", o.peak_lr},
          {"warmup_steps", o.warmup_steps},
          {"weight_decay", o.weight_decay},
          {"target_loss", o.target_loss},
          {"seed", o.seed},
          {"threads", threads}};
}

}  // namespace

void register_demo(CLI::App& app) {
  struct Args {
    SequenceDemoOptions options;
    int threads = 0;
    std::string out;
    std::string registry;
    bool no_registry = false;
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
    std::unique_ptr<scaling::RunRegistry> registry = open_demo_registry(args->registry, args->no_registry);
    std::vector<scaling::LossCurvePoint> curve;
    ProgressLine progress(100);
    SequenceDemoResult result = run_sequence_demo(options, [&](const SequenceDemoProgress& p) {
      // FLOPs are filled in at the end (C = 6 N D, N = total parameters, as `hone scale fit` assumes).
      if (registry) curve.push_back({p.step, static_cast<double>(p.tokens), 0.0, p.loss, std::nullopt});
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
    if (registry) {
      for (scaling::LossCurvePoint& p : curve) p.flops = 6.0 * static_cast<double>(result.parameters) * p.tokens;
      scaling::RunRecord run;
      run.kind = "demo";
      run.name = "demo copy/reverse d" + std::to_string(options.model.d_model) + " L" + std::to_string(options.model.n_decoder_layers);
      run.config = demo_config_json(options, num_threads());
      run.params = result.parameters;
      run.params_non_embedding = result.parameters_non_embedding;
      run.tokens = static_cast<double>(result.tokens);
      run.flops = 6.0 * static_cast<double>(result.parameters) * run.tokens;
      run.final_loss = result.final_loss;
      run.status = result.converged ? "finished" : "failed";
      const int64_t id = registry->begin_run(run);
      registry->add_curve(id, curve);
      std::printf("\nregistered as run %ld in %s ('hone runs show %ld')\n", static_cast<long>(id), registry->path().c_str(),
                  static_cast<long>(id));
    }
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
  command->add_option("--registry", args->registry, "Run registry to record this run in (default: $HONE_REGISTRY, else ~/.local/share/hone/runs.sqlite)");
  command->add_flag("--no-registry", args->no_registry, "Do not record this run in the run registry");
}

}  // namespace hone::cli
