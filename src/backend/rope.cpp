#include "backend/rope.h"

#include "backend/cpu/rope_cpu.h"
#include "backend/dispatch.h"

namespace hone {

void rope_forward(const Tensor& x, const Tensor& positions, int64_t head_dim, double theta, const Tensor& out) {
  Device device = common_device("rope_forward", {&x, &positions, &out});
  if (device.is_cpu()) return cpu::rope_rotate(x, positions, head_dim, theta, out, /*inverse=*/false);
  unsupported_device("rope_forward", device);
}

void rope_backward(const Tensor& d_out, const Tensor& positions, int64_t head_dim, double theta, const Tensor& d_x) {
  Device device = common_device("rope_backward", {&d_out, &positions, &d_x});
  if (device.is_cpu()) return cpu::rope_rotate(d_out, positions, head_dim, theta, d_x, /*inverse=*/true);
  unsupported_device("rope_backward", device);
}

}  // namespace hone
