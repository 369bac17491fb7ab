// `hone shapes PRESET|CONFIG.json`: parameters, FLOPs per token and training memory of a model shape.
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/commands.h"
#include "core/error.h"
#include "model/hf_config.h"
#include "model/presets.h"
#include "model/shape_stats.h"

namespace hone::cli {
namespace {

struct ShapesArgs {
  std::string model;
  bool json = false;
  bool list = false;
  int64_t batch = 0;  // 0: the default shape's value
  int64_t source_length = -1;
  int64_t target_length = -1;
};

// 1234567 -> "1,234,567".
std::string grouped(int64_t value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<size_t>(i), ",");
  return value < 0 ? "-" + digits : digits;
}

std::string bytes_text(int64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.2f %s", value, units[unit]);
  return text;
}

std::string flops_text(double flops) {
  const char* units[] = {"", "K", "M", "G", "T", "P", "E"};
  int unit = 0;
  while (flops >= 1000 && unit < 6) {
    flops /= 1000;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.3g %sFLOP", flops, units[unit]);
  return text;
}

std::string params_text(int64_t n) {
  char text[32];
  if (n >= 1'000'000'000)
    std::snprintf(text, sizeof text, "%.2fB", static_cast<double>(n) / 1e9);
  else
    std::snprintf(text, sizeof text, "%.1fM", static_cast<double>(n) / 1e6);
  return text;
}

void print_list() {
  std::printf("%-18s %15s  %s\n", "preset", "parameters", "source");
  for (const Preset& p : presets())
    std::printf("%-18s %15s  %s\n", p.name.c_str(), grouped(count_parameters(p.config).total).c_str(), p.source.c_str());
}

ModelConfig load_model(const std::string& what) {
  std::error_code error;
  if (std::filesystem::exists(what, error) || what.ends_with(".json")) return read_hf_config(what);
  return preset_config(what);
}

void run_shapes(const ShapesArgs& args) {
  if (args.list) {
    print_list();
    return;
  }
  if (args.model.empty())
    fail_usage("give a preset name or a config.json, e.g. 'hone shapes t5-v1_1-base' (presets: 'hone shapes --list')");
  const ModelConfig config = load_model(args.model);

  BatchShape shape = default_batch_shape(config);
  if (args.batch > 0) shape.batch = args.batch;
  if (args.source_length >= 0) shape.source_length = args.source_length;
  if (args.target_length >= 0) shape.target_length = args.target_length;
  try {
    validate_batch_shape(config, shape);
  } catch (const Error& e) {
    fail_usage(e.what());
  }

  const ParameterCounts params = count_parameters(config);
  const FlopsEstimate flops = estimate_flops(config, shape);
  const MemoryEstimate memory = estimate_memory(config, shape);

  if (args.json) {
    nlohmann::ordered_json j;
    j["model"] = args.model;
    j["family"] = to_string(config.family);
    j["style"] = to_string(config.style);
    j["params_total"] = params.total;
    j["params_non_embedding"] = params.non_embedding;
    j["params_embedding"] = params.embedding;
    j["params_encoder"] = params.encoder;
    j["params_decoder"] = params.decoder;
    j["params_lm_head"] = params.lm_head;
    j["batch"] = shape.batch;
    j["source_length"] = shape.source_length;
    j["target_length"] = shape.target_length;
    j["flops_per_token"] = flops.training_per_token;
    j["forward_flops_per_token"] = flops.forward_per_token;
    j["flops_per_sequence"] = flops.training_per_sequence;
    j["flops_per_step"] = flops.training_per_step;
    if (config.is_encoder_decoder()) {
      j["encoder_forward_flops_per_source_token"] = flops.encoder_forward_per_source_token;
      j["decoder_forward_flops_per_target_token"] = flops.decoder_forward_per_target_token;
    }
    j["memory_parameters_bytes"] = memory.parameters;
    j["memory_gradients_bytes"] = memory.gradients;
    j["memory_optimizer_adamw_bytes"] = memory.optimizer_adamw;
    j["memory_optimizer_adafactor_bytes"] = memory.optimizer_adafactor;
    j["memory_activations_per_sequence_bytes"] = memory.activations_per_sequence;
    j["memory_activations_bytes"] = memory.activations;
    j["memory_total_adamw_bytes"] = memory.total_adamw;
    j["memory_total_adafactor_bytes"] = memory.total_adafactor;
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }

  std::printf("%s: %s\n\n", args.model.c_str(), describe(config).c_str());
  std::printf("parameters   %s total (%s)\n", grouped(params.total).c_str(), params_text(params.total).c_str());
  std::printf("             %s non-embedding, %s embedding\n", grouped(params.non_embedding).c_str(),
              grouped(params.embedding).c_str());
  if (config.is_encoder_decoder())
    std::printf("             encoder %s, decoder %s, LM head %s\n", grouped(params.encoder).c_str(),
                grouped(params.decoder).c_str(), params.lm_head ? grouped(params.lm_head).c_str() : "tied");
  if (config.is_encoder_decoder())
    std::printf("\nbatch        %ld x (%ld source + %ld target tokens)\n", static_cast<long>(shape.batch),
                static_cast<long>(shape.source_length), static_cast<long>(shape.target_length));
  else
    std::printf("\nbatch        %ld x %ld tokens\n", static_cast<long>(shape.batch),
                static_cast<long>(shape.source_length + shape.target_length));
  std::printf("FLOPs        %s per token training (3 x %s forward)\n", flops_text(flops.training_per_token).c_str(),
              flops_text(flops.forward_per_token).c_str());
  if (config.is_encoder_decoder())
    std::printf("             forward: encoder %s per source token, decoder %s per target token\n",
                flops_text(flops.encoder_forward_per_source_token).c_str(),
                flops_text(flops.decoder_forward_per_target_token).c_str());
  std::printf("             %s per training step\n", flops_text(static_cast<double>(flops.training_per_step)).c_str());
  std::printf("\nmemory (F32) parameters %s, gradients %s\n", bytes_text(memory.parameters).c_str(),
              bytes_text(memory.gradients).c_str());
  std::printf("             optimizer state: AdamW %s, Adafactor %s\n", bytes_text(memory.optimizer_adamw).c_str(),
              bytes_text(memory.optimizer_adafactor).c_str());
  std::printf("             activations %s per sequence, %s per batch\n",
              bytes_text(memory.activations_per_sequence).c_str(), bytes_text(memory.activations).c_str());
  std::printf("             total: %s with AdamW, %s with Adafactor\n", bytes_text(memory.total_adamw).c_str(),
              bytes_text(memory.total_adafactor).c_str());
}

}  // namespace

void register_shapes(CLI::App& app) {
  auto args = std::make_shared<ShapesArgs>();
  CLI::App* command = add_command(app, "shapes", "Parameters, FLOPs per token and training memory of a model shape",
                                  [args] { run_shapes(*args); });
  command->add_option("model", args->model, "A preset (e.g. t5-v1_1-base, gpt2) or a Hugging Face config.json / checkpoint directory");
  command->add_flag("--json", args->json, "Print one JSON object");
  command->add_flag("--list", args->list, "List the presets with their parameter counts");
  command->add_option("--batch", args->batch, "Sequences per step (default 1)")->check(CLI::Range(int64_t{1}, int64_t{1} << 30));
  command->add_option("--source-length", args->source_length,
                      "Source (input) tokens per sequence (default: 512 encoder-decoder, 0 decoder-only)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 30));
  command->add_option("--target-length", args->target_length,
                      "Target tokens per sequence (default: 114 encoder-decoder, min(1024, max_positions) decoder-only)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 30));
}

}  // namespace hone::cli
