// `hone scale shapes --params P | --flops-per-token F [--family ...]`: shapes under a budget and the
// DeepNarrow recommendation (src/scaling/shape_search.h).
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/commands.h"
#include "cli/scale_subcommands.h"
#include "core/error.h"
#include "scaling/shape_search.h"

namespace hone::cli {
namespace {

using namespace hone::scaling;

struct ShapesArgs {
  std::optional<double> params;
  std::optional<double> flops_per_token;
  std::string family = "encoder_decoder";
  int64_t max_depth = 36;
  bool json = false;
};

nlohmann::ordered_json candidate_json(const ShapeCandidate& c) {
  return {{"layers", c.layers},
          {"encoder_layers", c.config.n_encoder_layers},
          {"decoder_layers", c.config.n_decoder_layers},
          {"d_model", c.config.d_model},
          {"d_ff", c.config.d_ff},
          {"n_heads", c.config.n_heads},
          {"d_kv", c.config.d_kv},
          {"params", c.params},
          {"params_non_embedding", c.params_non_embedding},
          {"flops_per_token", c.flops_per_token},
          {"memory_adamw_bytes", c.memory_adamw_bytes}};
}

void run_shapes(const ShapesArgs& args) {
  if (args.params.has_value() == args.flops_per_token.has_value())
    fail_usage("scale shapes: give exactly one of --params P or --flops-per-token F");
  ShapeSearchOptions options;
  options.family = parse_model_family(args.family);
  options.kind = args.params ? ShapeBudgetKind::Params : ShapeBudgetKind::FlopsPerToken;
  options.budget = args.params ? *args.params : *args.flops_per_token;
  options.max_depth = args.max_depth;
  const ShapeSearch search = search_shapes(options);

  if (args.json) {
    nlohmann::ordered_json j;
    j["family"] = args.family;
    j["budget"] = {{"kind", args.params ? "params" : "flops_per_token"}, {"value", options.budget}};
    j["shapes"] = nlohmann::ordered_json::array();
    for (const ShapeCandidate& c : search.widest_per_depth) j["shapes"].push_back(candidate_json(c));
    j["recommended"] = candidate_json(search.recommended);
    j["recommended_by_rule"] = search.recommended_by_rule;
    j["explanation"] = search.explanation;
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("%s shapes within %s %.4g: the widest grid shape at each depth (training FLOPs per token and AdamW memory\n"
              "at the default batch shape of 'hone shapes': 512+114 tokens encoder-decoder, 1024 decoder-only)\n\n",
              args.family.c_str(), args.params ? "parameters" : "training FLOPs per token", options.budget);
  std::printf("  %9s %8s %7s %6s %5s %16s %16s %14s %12s\n", "layers", "d_model", "d_ff", "heads", "d_kv", "parameters",
              "non-embedding", "FLOPs/token", "memory GiB");
  for (const ShapeCandidate& c : search.widest_per_depth) {
    const std::string layers = options.family == ModelFamily::EncoderDecoder
                                   ? std::to_string(c.layers) + "+" + std::to_string(c.layers)
                                   : std::to_string(c.layers);
    const bool chosen = c.layers == search.recommended.layers;
    std::printf("%s %9s %8ld %7ld %6ld %5ld %16ld %16ld %14.4g %12.2f\n", chosen ? "*" : " ", layers.c_str(),
                static_cast<long>(c.config.d_model), static_cast<long>(c.config.d_ff), static_cast<long>(c.config.n_heads),
                static_cast<long>(c.config.d_kv), static_cast<long>(c.params), static_cast<long>(c.params_non_embedding),
                c.flops_per_token, static_cast<double>(c.memory_adamw_bytes) / (1024.0 * 1024.0 * 1024.0));
  }
  std::printf("\n* recommended\n\n");
  for (const std::string& line : search.explanation) std::printf("%s\n", line.c_str());
}

}  // namespace

void register_scale_shapes(CLI::App& scale) {
  auto args = std::make_shared<ShapesArgs>();
  CLI::App* shapes = add_command(scale, "shapes", "Model shapes within a budget, with a DeepNarrow recommendation (depth first, then width)",
                                 [args] { run_shapes(*args); });
  shapes->add_option("--params", args->params, "Budget in total parameters, e.g. 1.1e9")->check(CLI::PositiveNumber);
  shapes->add_option("--flops-per-token", args->flops_per_token, "Budget in training FLOPs per token")->check(CLI::PositiveNumber);
  shapes->add_option("--family", args->family, "encoder_decoder (T5 v1.0 layout) or decoder_only (Llama layout)")
      ->check(CLI::IsMember({"encoder_decoder", "decoder_only"}))
      ->capture_default_str();
  shapes->add_option("--max-depth", args->max_depth, "Deepest shape DeepNarrow recommends (layers per stack)")
      ->check(CLI::Range(int64_t{2}, int64_t{64}))
      ->capture_default_str();
  shapes->add_flag("--json", args->json, "Print one JSON object");
}

}  // namespace hone::cli
