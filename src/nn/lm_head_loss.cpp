#include "nn/lm_head_loss.h"

#include <algorithm>

#include "backend/gemm.h"

namespace hone {

LmHeadLoss::LmHeadLoss(ParameterStore& store, const std::string& prefix, int64_t vocab_size, int64_t d_model,
                       LmHeadLossOptions options)
    : weight_(&store.add(prefix + ".weight", {vocab_size, d_model})), options_(options) {
  HONE_CHECK(vocab_size > 0 && d_model > 0, "LmHeadLoss ", prefix, ": vocab_size and d_model must be positive, got ",
             vocab_size, " and ", d_model);
  HONE_CHECK(options.chunk_rows >= 0, "LmHeadLoss: chunk_rows must be >= 0 (0 = automatic), got ", options.chunk_rows);
}

LmHeadLoss::LmHeadLoss(Parameter& tied_weight, LmHeadLossOptions options) : weight_(&tied_weight), options_(options) {
  HONE_CHECK(tied_weight.shape.size() == 2, "LmHeadLoss: tied weight ", tied_weight.name,
             " must be [vocab, d_model], got ", shape_str(tied_weight.shape));
  HONE_CHECK(options.chunk_rows >= 0, "LmHeadLoss: chunk_rows must be >= 0 (0 = automatic), got ", options.chunk_rows);
}

Tensor LmHeadLoss::flat_hidden(const Tensor& hidden) const {
  HONE_CHECK(hidden.dim() >= 1 && hidden.size(-1) == d_model(), "LmHeadLoss ", weight_->name, ": hidden ",
             hidden.describe(), " must end in d_model = ", d_model());
  return hidden.view({-1, d_model()});
}

Tensor LmHeadLoss::workspace(Arena& arena, int64_t rows, DType dtype) const {
  constexpr int64_t kAutoElements = int64_t{1} << 26;
  int64_t chunk = options_.chunk_rows > 0 ? options_.chunk_rows : std::max<int64_t>(16, kAutoElements / vocab_size());
  chunk = std::clamp<int64_t>(chunk, 1, std::max<int64_t>(rows, 1));
  return arena.alloc({chunk, vocab_size()}, dtype);
}

static void check_targets(const Tensor& hidden, const Tensor& targets, const char* what) {
  Shape rows_shape = hidden.shape();
  rows_shape.pop_back();
  HONE_CHECK(targets.shape() == rows_shape, "LmHeadLoss: ",
             what, " ", targets.describe(), " does not match hidden ", hidden.describe(),
             " (one target per hidden row expected)");
}

LmHeadLossResult LmHeadLoss::forward_backward(Arena& arena, const Tensor& hidden, const Tensor& targets,
                                              const Tensor& token_weights, bool keep_token_losses) const {
  Tensor h = flat_hidden(hidden);
  check_targets(hidden, targets, "targets");
  if (token_weights.defined()) check_targets(hidden, token_weights, "token weights");
  const int64_t rows = h.size(0);
  LmHeadLossResult result;
  result.dhidden = arena.alloc(hidden.shape(), hidden.dtype());
  if (keep_token_losses) result.token_losses = arena.alloc(targets.shape(), hidden.dtype());
  Tensor ws = workspace(arena, rows, hidden.dtype());
  CrossEntropyTotals totals = lm_head_cross_entropy(
      h, weight_->value, targets.view({-1}), token_weights.defined() ? token_weights.view({-1}) : Tensor{},
      options_.loss, ws, result.dhidden.view({-1, d_model()}), weight_->grad,
      keep_token_losses ? result.token_losses.view({-1}) : Tensor{});
  result.loss = totals.loss;
  result.tokens = totals.tokens;
  result.weight = totals.weight;
  return result;
}

LmHeadScores LmHeadLoss::score(Arena& arena, const Tensor& hidden, const Tensor& targets) const {
  Tensor h = flat_hidden(hidden);
  check_targets(hidden, targets, "targets");
  LmHeadScores scores;
  scores.target_logprobs = arena.alloc(targets.shape(), hidden.dtype());
  scores.logsumexp = arena.alloc(targets.shape(), hidden.dtype());
  Tensor ws = workspace(arena, h.size(0), hidden.dtype());
  lm_head_score(h, weight_->value, targets.view({-1}), options_.loss.ignore_index, ws, scores.target_logprobs.view({-1}),
                scores.logsumexp.view({-1}));
  return scores;
}

Tensor LmHeadLoss::logits(Arena& arena, const Tensor& hidden) const {
  Tensor h = flat_hidden(hidden);
  Shape shape = hidden.shape();
  shape.back() = vocab_size();
  Tensor out = arena.alloc(shape, hidden.dtype());
  gemm(h, Trans::No, weight_->value, Trans::Yes, out.view({-1, vocab_size()}));
  return out;
}

}  // namespace hone
