#pragma once
// The LM head fused with softmax cross-entropy. Logits are produced a chunk of rows at a time into one
// workspace [chunk_rows, vocab]; each chunk is reduced to its losses and then turned in place into
// dlogits, which feed dhidden and dW straight away. Memory is O(chunk_rows * vocab) instead of
// O(rows * vocab), and the probabilities are never materialised twice.
#include <cstdint>

#include "core/tensor.h"

namespace hone {

struct CrossEntropyOptions {
  // Targets equal to this contribute no loss, no gradient and no normalizer weight (PyTorch default).
  int64_t ignore_index = -100;
  // PaLM / T5X auxiliary z-loss: adds z_loss * logsumexp^2 per token, pulling the softmax normaliser
  // towards 1. 0 disables it.
  double z_loss = 0.0;
  // > 0: loss = sum(w_i * l_i) / normalizer (T5X's loss_normalizing_factor, e.g. a constant number of
  // target tokens per batch). 0: divide by the summed weight of the non-ignored tokens (a weighted mean).
  double normalizer = 0.0;
};

struct CrossEntropyTotals {
  double loss = 0.0;        // sum(w_i * l_i) / normalizer; 0 when every target is ignored
  int64_t tokens = 0;       // targets that are not ignore_index
  double weight = 0.0;      // their summed weight (== tokens without per-token weights)
  double normalizer = 0.0;  // the divisor used
};

// Training step of the LM head and its loss, forward and backward in one call.
//   hidden [N, d], weight [V, d] (logits = hidden weight^T), targets [N] I32,
//   token_weights [N] or undefined (all 1), workspace [chunk_rows, V] (its row count sets the chunk),
//   dhidden [N, d] overwritten with d(loss)/d(hidden) (undefined: not computed),
//   dweight [V, d] accumulated (+=) with d(loss)/d(weight) (undefined: frozen head),
//   token_losses [N] receives l_i = logsumexp_i - logit_i[target_i] + z_loss * logsumexp_i^2, unweighted and
//   unnormalised, 0 for ignored targets (undefined: not written).
// Deterministic: each row is owned by one thread and the total is summed in row order.
CrossEntropyTotals lm_head_cross_entropy(const Tensor& hidden, const Tensor& weight, const Tensor& targets,
                                         const Tensor& token_weights, const CrossEntropyOptions& options,
                                         const Tensor& workspace, const Tensor& dhidden, const Tensor& dweight,
                                         const Tensor& token_losses);

// Evaluation scoring without gradients: target_logprobs [N] = log softmax(logits_i)[target_i] (0 where the
// target is ignore_index) and logsumexp [N] of each row's logits (undefined: not written).
void lm_head_score(const Tensor& hidden, const Tensor& weight, const Tensor& targets, int64_t ignore_index,
                   const Tensor& workspace, const Tensor& target_logprobs, const Tensor& logsumexp);

}  // namespace hone
