#pragma once
// The LM head (logits = hidden W^T, W [vocab, d]) fused with softmax cross-entropy. W is either its own
// parameter ("lm_head.weight") or the tied input embedding (T5 "shared.weight", GPT-2
// "transformer.wte.weight"); with a tied W the gradient from the loss accumulates into the embedding's
// gradient. Scaling of the hidden states that some tied models apply (T5: d_model^-0.5) belongs to the
// model, before this layer.
#include <string>

#include "backend/cross_entropy.h"
#include "core/arena.h"
#include "nn/parameter.h"

namespace hone {

struct LmHeadLossOptions {
  CrossEntropyOptions loss;  // ignore_index, z_loss, normalizer
  // Rows of logits held at once (memory chunk_rows * vocab elements). 0 picks about 64M elements (256 MB
  // in F32; 2048 rows at vocab 32k): each chunk's dW GEMM re-reads and re-writes all of dW, so fewer,
  // larger chunks keep the fused loss within ~8% of its raw GEMM time (bench: 2048 rows 685 ms, 512 rows
  // 733 ms, 128 rows 885 ms against 630 ms of bare sgemm). PyTorch eager holds logits, log-probabilities
  // and their gradient for all rows at once; set a smaller value to trade speed for memory.
  int64_t chunk_rows = 0;
};

struct LmHeadLossResult {
  double loss = 0.0;     // sum(w_i * l_i) / normalizer
  int64_t tokens = 0;    // non-ignored targets
  double weight = 0.0;   // their summed weight
  Tensor dhidden;        // d(loss)/d(hidden), shaped like hidden
  Tensor token_losses;   // per-token l_i (unweighted, 0 where ignored), shaped like targets; if requested
};

struct LmHeadScores {
  Tensor target_logprobs;  // log p(target) per token, 0 where ignored; shaped like targets
  Tensor logsumexp;        // log of each row's softmax normaliser; shaped like targets
};

class LmHeadLoss {
 public:
  // Own head: registers "<prefix>.weight" [vocab_size, d_model].
  LmHeadLoss(ParameterStore& store, const std::string& prefix, int64_t vocab_size, int64_t d_model,
             LmHeadLossOptions options = {});
  // Tied head: reads and accumulates into an existing [vocab_size, d_model] parameter.
  explicit LmHeadLoss(Parameter& tied_weight, LmHeadLossOptions options = {});

  // Training: loss and d(loss)/d(hidden) for hidden [..., d_model] and targets [...] (I32), with optional
  // per-token weights [...]; accumulates d(loss)/dW into the weight's gradient.
  LmHeadLossResult forward_backward(Arena& arena, const Tensor& hidden, const Tensor& targets,
                                    const Tensor& token_weights = {}, bool keep_token_losses = false) const;
  // Evaluation: per-token target log-probabilities and log-normalisers, no gradients.
  LmHeadScores score(Arena& arena, const Tensor& hidden, const Tensor& targets) const;
  // Generation: full logits [..., vocab_size].
  Tensor logits(Arena& arena, const Tensor& hidden) const;

  Parameter& weight() const { return *weight_; }
  int64_t vocab_size() const { return weight_->shape[0]; }
  int64_t d_model() const { return weight_->shape[1]; }
  const LmHeadLossOptions& options() const { return options_; }

 private:
  Tensor flat_hidden(const Tensor& hidden) const;
  Tensor workspace(Arena& arena, int64_t rows, DType dtype) const;

  Parameter* weight_;
  LmHeadLossOptions options_;
};

}  // namespace hone
