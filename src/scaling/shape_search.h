#pragma once
// `hone scale shapes`: model shapes under a budget (parameters or training FLOPs per token), and the
// DeepNarrow recommendation of Tay et al. (2021, "Scale Efficiently"): at a fixed budget, depth buys
// more downstream quality than width up to about 32-36 layers, so fill depth first, then widen.
//
// The grid: layers per stack in kShapeDepths, d_model in kShapeWidths, heads of width d_kv = 64
// (decoder-only: 128 from d_model 2048 up, as Llama), d_ff = 4 d_model (encoder-decoder: T5 v1.0 layout,
// ReLU, tied head, vocab 32128) or 8/3 d_model rounded up to 256 (decoder-only: Llama layout, SwiGLU,
// untied head, vocab 32000). Encoder-decoder shapes have as many decoder as encoder layers.
#include <cstdint>
#include <string>
#include <vector>

#include "model/config.h"

namespace hone::scaling {

inline constexpr int64_t kShapeDepths[] = {2, 4, 6, 8, 12, 16, 20, 24, 28, 32, 36, 40, 48, 64};
inline constexpr int64_t kShapeWidths[] = {128, 256, 384, 512, 640, 768, 1024, 1280, 1536, 2048, 2560,
                                           3072, 4096, 5120, 6144, 8192, 10240, 12288};

enum class ShapeBudgetKind { Params, FlopsPerToken };

struct ShapeSearchOptions {
  ModelFamily family = ModelFamily::EncoderDecoder;
  ShapeBudgetKind kind = ShapeBudgetKind::Params;
  double budget = 0;          // total parameters, or training FLOPs per token (default batch shape)
  int64_t max_depth = 36;     // DeepNarrow: depth first up to here
  double min_aspect = 20;     // d_model >= min_aspect x layers: deeper than that is too narrow to pay off
};

struct ShapeCandidate {
  ModelConfig config;
  int64_t layers = 0;  // per stack
  int64_t params = 0;
  int64_t params_non_embedding = 0;
  double flops_per_token = 0;      // training, default batch shape (shape_stats.h)
  int64_t memory_adamw_bytes = 0;  // F32 parameters, gradients, AdamW state, activations of one sequence
  double cost(ShapeBudgetKind kind) const { return kind == ShapeBudgetKind::Params ? static_cast<double>(params) : flops_per_token; }
};

// The grid shape with these sizes (see the header comment for the rest of the layout).
ShapeCandidate make_shape(ModelFamily family, int64_t layers, int64_t d_model);

struct ShapeSearch {
  // For every depth, the widest grid shape within the budget (shallowest first); depths where even
  // the narrowest width is over budget are absent.
  std::vector<ShapeCandidate> widest_per_depth;
  ShapeCandidate recommended;       // DeepNarrow
  bool recommended_by_rule = true;  // false: the budget is too small for the aspect rule; the largest shape is shown
  std::vector<std::string> explanation;  // why, one sentence per line
};

// Throws a usage hone::Error when no grid shape fits the budget.
ShapeSearch search_shapes(const ShapeSearchOptions& options);

}  // namespace hone::scaling
