#include "backend/kv_cache.h"

#include "backend/cpu/kv_cache_cpu.h"
#include "backend/dispatch.h"

namespace hone {

void write_cache_rows(const Tensor& values, const Tensor& positions, const Tensor& cache) {
  Device device = common_device("write_cache_rows", {&values, &positions, &cache});
  if (device.is_cpu()) return cpu::write_cache_rows(values, positions, cache);
  unsupported_device("write_cache_rows", device);
}

void gather_rows(const Tensor& x, const Tensor& index, int64_t offset, const Tensor& out) {
  Device device = common_device("gather_rows", {&x, &index, &out});
  if (device.is_cpu()) return cpu::gather_rows(x, index, offset, out);
  unsupported_device("gather_rows", device);
}

void advance_counters(const Tensor& counters, int32_t delta) {
  Device device = common_device("advance_counters", {&counters});
  if (device.is_cpu()) return cpu::advance_counters(counters, delta);
  unsupported_device("advance_counters", device);
}

}  // namespace hone
