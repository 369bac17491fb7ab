#include "backend/cross_entropy.h"

#include "backend/cpu/cross_entropy_cpu.h"
#include "backend/dispatch.h"

namespace hone {

CrossEntropyTotals lm_head_cross_entropy(const Tensor& hidden, const Tensor& weight, const Tensor& targets,
                                         const Tensor& token_weights, const CrossEntropyOptions& options,
                                         const Tensor& workspace, const Tensor& dhidden, const Tensor& dweight,
                                         const Tensor& token_losses) {
  Device device = common_device("lm_head_cross_entropy",
                                {&hidden, &weight, &targets, &token_weights, &workspace, &dhidden, &dweight, &token_losses});
  if (device.is_cpu()) {
    return cpu::lm_head_cross_entropy(hidden, weight, targets, token_weights, options, workspace, dhidden, dweight,
                                      token_losses);
  }
  unsupported_device("lm_head_cross_entropy", device);
}

void lm_head_score(const Tensor& hidden, const Tensor& weight, const Tensor& targets, int64_t ignore_index,
                   const Tensor& workspace, const Tensor& target_logprobs, const Tensor& logsumexp) {
  Device device = common_device("lm_head_score", {&hidden, &weight, &targets, &workspace, &target_logprobs, &logsumexp});
  if (device.is_cpu()) return cpu::lm_head_score(hidden, weight, targets, ignore_index, workspace, target_logprobs, logsumexp);
  unsupported_device("lm_head_score", device);
}

}  // namespace hone
