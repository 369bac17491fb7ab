#include "backend/attention.h"

#include "backend/cpu/attention_cpu.h"
#include "backend/dispatch.h"

namespace hone {

void attention_forward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& bias,
                       const AttentionMask& mask, const AttentionShape& shape, const Tensor& output,
                       const Tensor& probs) {
  Device device = common_device("attention_forward", {&q, &k, &v, &bias, &mask.prefix, &mask.key_valid,
                                                      &mask.key_lengths, &mask.query_segments,
                                                      &mask.key_segments, &output, &probs});
  if (device.is_cpu()) return cpu::attention_forward(q, k, v, bias, mask, shape, output, probs);
  unsupported_device("attention_forward", device);
}

void attention_backward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& probs,
                        const AttentionMask& mask, const Tensor& d_output, const AttentionShape& shape, const Tensor& dq, const Tensor& dk,
                        const Tensor& dv, const Tensor& bias_grad, const Tensor& scores_grad) {
  Device device = common_device("attention_backward",
                                {&q, &k, &v, &probs, &d_output, &dq, &dk, &dv, &bias_grad, &scores_grad});
  if (device.is_cpu())
    return cpu::attention_backward(q, k, v, probs, mask, d_output, shape, dq, dk, dv, bias_grad, scores_grad);
  unsupported_device("attention_backward", device);
}

}  // namespace hone
