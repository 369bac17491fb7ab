#include "backend/dropout.h"

#include "backend/cpu/dropout_cpu.h"
#include "backend/dispatch.h"

namespace hone {

void dropout_forward(const Tensor& x, const Tensor& y, double p, uint64_t seed, uint64_t stream) {
  Device device = common_device("dropout_forward", {&x, &y});
  if (device.is_cpu()) return cpu::apply_dropout_mask("dropout_forward", x, y, p, seed, stream);
  unsupported_device("dropout_forward", device);
}

void dropout_backward(const Tensor& dy, const Tensor& dx, double p, uint64_t seed, uint64_t stream) {
  Device device = common_device("dropout_backward", {&dy, &dx});
  // The gradient of y = x * mask * scale is the same masking applied to dy.
  if (device.is_cpu()) return cpu::apply_dropout_mask("dropout_backward", dy, dx, p, seed, stream);
  unsupported_device("dropout_backward", device);
}

}  // namespace hone
