#include "backend/random.h"

#include "backend/cpu/random_cpu.h"
#include "backend/dispatch.h"

namespace hone {

void fill_normal(const Tensor& t, uint64_t seed, uint64_t stream, double mean, double stddev) {
  Device device = common_device("fill_normal", {&t});
  if (device.is_cpu()) return cpu::fill_normal(t, seed, stream, mean, stddev);
  unsupported_device("fill_normal", device);
}

void fill_uniform(const Tensor& t, uint64_t seed, uint64_t stream, double low, double high) {
  Device device = common_device("fill_uniform", {&t});
  if (device.is_cpu()) return cpu::fill_uniform(t, seed, stream, low, high);
  unsupported_device("fill_uniform", device);
}

}  // namespace hone
