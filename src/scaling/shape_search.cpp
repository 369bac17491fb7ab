#include "scaling/shape_search.h"

#include <cstdio>
#include <optional>

#include "core/error.h"
#include "model/shape_stats.h"

namespace hone::scaling {
namespace {

std::string params_text(double n) {
  char text[32];
  std::snprintf(text, sizeof text, n >= 1e9 ? "%.2fB" : "%.1fM", n >= 1e9 ? n / 1e9 : n / 1e6);
  return text;
}

std::string shape_text(const ShapeCandidate& c) {
  const std::string layers = c.config.is_encoder_decoder() ? std::to_string(c.layers) + "+" + std::to_string(c.layers)
                                                           : std::to_string(c.layers);
  char text[160];
  std::snprintf(text, sizeof text, "%s layers, d_model %ld, d_ff %ld, %ld heads x %ld (%s parameters)", layers.c_str(),
                static_cast<long>(c.config.d_model), static_cast<long>(c.config.d_ff), static_cast<long>(c.config.n_heads),
                static_cast<long>(c.config.d_kv), params_text(static_cast<double>(c.params)).c_str());
  return text;
}

}  // namespace

ShapeCandidate make_shape(ModelFamily family, int64_t layers, int64_t d_model) {
  ModelConfig c;
  if (family == ModelFamily::EncoderDecoder) {
    // T5 v1.0 layout, as the Scale Efficiently checkpoints (google/t5-efficient-*).
    c = style_defaults(ModelStyle::T5);
    c.vocab_size = 32128;
    c.d_kv = 64;
    c.d_ff = 4 * d_model;
    c.n_encoder_layers = c.n_decoder_layers = layers;
    c.activation = Activation::ReLU;
    c.gated = false;
    c.tie_embeddings = true;
  } else {
    c = style_defaults(ModelStyle::Llama);
    c.vocab_size = 32000;
    c.d_kv = d_model >= 2048 ? 128 : 64;
    c.d_ff = (8 * d_model / 3 + 255) / 256 * 256;
    c.n_decoder_layers = layers;
    c.max_positions = 2048;
    c.tie_embeddings = false;
  }
  c.d_model = d_model;
  c.n_heads = c.n_kv_heads = d_model / c.d_kv;
  c.validate();

  ShapeCandidate s;
  s.config = c;
  s.layers = layers;
  const ParameterCounts counts = count_parameters(c);
  s.params = counts.total;
  s.params_non_embedding = counts.non_embedding;
  const BatchShape batch = default_batch_shape(c);
  s.flops_per_token = estimate_flops(c, batch).training_per_token;
  const MemoryEstimate memory = estimate_memory(c, batch);
  s.memory_adamw_bytes = memory.total_adamw;
  return s;
}

ShapeSearch search_shapes(const ShapeSearchOptions& options) {
  if (!(options.budget > 0)) fail_usage("the shape budget must be positive (got ", options.budget, ")");
  ShapeSearch result;
  for (int64_t depth : kShapeDepths) {
    std::optional<ShapeCandidate> widest;
    for (int64_t width : kShapeWidths) {
      ShapeCandidate c = make_shape(options.family, depth, width);
      if (c.cost(options.kind) > options.budget) break;  // cost grows with width
      widest = std::move(c);
    }
    if (widest) result.widest_per_depth.push_back(std::move(*widest));
  }
  if (result.widest_per_depth.empty())
    fail_usage("no ", to_string(options.family), " shape of the grid fits ",
               options.kind == ShapeBudgetKind::Params ? "a budget of " : "a FLOPs-per-token budget of ", options.budget,
               ": the smallest (2 layers, d_model 128) costs ",
               make_shape(options.family, 2, 128).cost(options.kind), "; raise the budget");

  // DeepNarrow: the deepest shape up to max_depth that stays at least min_aspect x layers wide.
  const ShapeCandidate* pick = nullptr;
  for (const ShapeCandidate& c : result.widest_per_depth)
    if (c.layers <= options.max_depth && static_cast<double>(c.config.d_model) >= options.min_aspect * static_cast<double>(c.layers))
      pick = &c;
  if (!pick) {
    result.recommended_by_rule = false;
    pick = &result.widest_per_depth.front();
    for (const ShapeCandidate& c : result.widest_per_depth)
      if (c.layers <= options.max_depth && c.cost(options.kind) > pick->cost(options.kind)) pick = &c;
  }
  result.recommended = *pick;

  auto& why = result.explanation;
  why.push_back("DeepNarrow (Tay et al. 2021, \"Scale Efficiently\"): at a fixed parameter or FLOP budget, extra layers "
                "improve downstream quality more than extra width, up to about 32-36 layers; past that the gains fade.");
  char line[320];
  std::snprintf(line, sizeof line,
                "So depth comes first, up to %ld layers%s, as long as d_model stays at least %.0f x the depth; the rest of the "
                "budget goes to width.",
                static_cast<long>(options.max_depth), options.family == ModelFamily::EncoderDecoder ? " per stack" : "",
                options.min_aspect);
  why.push_back(line);
  if (result.recommended_by_rule) {
    why.push_back("Recommended: " + shape_text(result.recommended) + ".");
  } else {
    why.push_back("This budget is too small for that rule (every shape deep enough is too narrow): the largest shape that fits "
                  "is shown instead: " + shape_text(result.recommended) + ".");
  }
  for (const ShapeCandidate& c : result.widest_per_depth) {
    if (c.layers != 24 || c.layers == result.recommended.layers) continue;
    std::snprintf(line, sizeof line, "For comparison, the conventional 24-layer shape within the same budget is %s.",
                  shape_text(c).c_str());
    why.push_back(line);
  }
  if (options.family == ModelFamily::EncoderDecoder) {
    const ShapeCandidate large36 = make_shape(ModelFamily::EncoderDecoder, 36, 1024);
    // T5-XL as Tay et al. define it: d_model 1024, d_ff 16384, 32 heads of 128, 24+24 layers (t5-3b).
    ModelConfig xl = large36.config;
    xl.n_encoder_layers = xl.n_decoder_layers = 24;
    xl.d_ff = 16384;
    xl.d_kv = 128;
    xl.n_heads = xl.n_kv_heads = 32;
    std::snprintf(line, sizeof line,
                  "Their example: T5-Large deepened to 36+36 layers (%s parameters) is compared with T5-XL, 24+24 layers (%s): "
                  "similar quality at %.0f%% of the parameters.",
                  params_text(static_cast<double>(large36.params)).c_str(),
                  params_text(static_cast<double>(count_parameters(xl).total)).c_str(),
                  100.0 * static_cast<double>(large36.params) / static_cast<double>(count_parameters(xl).total));
    why.push_back(line);
  }
  return result;
}

}  // namespace hone::scaling
