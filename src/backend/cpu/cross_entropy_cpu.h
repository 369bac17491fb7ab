#pragma once
#include "backend/cross_entropy.h"

namespace hone::cpu {

CrossEntropyTotals lm_head_cross_entropy(const Tensor& hidden, const Tensor& weight, const Tensor& targets,
                                         const Tensor& token_weights, const CrossEntropyOptions& options,
                                         const Tensor& workspace, const Tensor& dhidden, const Tensor& dweight,
                                         const Tensor& token_losses);
void lm_head_score(const Tensor& hidden, const Tensor& weight, const Tensor& targets, int64_t ignore_index,
                   const Tensor& workspace, const Tensor& target_logprobs, const Tensor& logsumexp);

}  // namespace hone::cpu
