#include "backend/bias.h"

#include "backend/cpu/bias_cpu.h"
#include "backend/dispatch.h"

namespace hone {

void add_bias(const Tensor& y, const Tensor& b) {
  Device device = common_device("add_bias", {&y, &b});
  if (device.is_cpu()) return cpu::add_bias(y, b);
  unsupported_device("add_bias", device);
}

void accumulate_bias_grad(const Tensor& dy, const Tensor& db) {
  Device device = common_device("accumulate_bias_grad", {&dy, &db});
  if (device.is_cpu()) return cpu::accumulate_bias_grad(dy, db);
  unsupported_device("accumulate_bias_grad", device);
}

}  // namespace hone
