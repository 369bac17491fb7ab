#include "backend/embedding.h"

#include "backend/cpu/embedding_cpu.h"
#include "backend/dispatch.h"

namespace hone {

void embedding_forward(const Tensor& table, const Tensor& ids, const Tensor& out) {
  Device device = common_device("embedding_forward", {&table, &ids, &out});
  if (device.is_cpu()) return cpu::embedding_forward(table, ids, out);
  unsupported_device("embedding_forward", device);
}

void embedding_backward(const Tensor& ids, const Tensor& dy, const Tensor& dtable) {
  Device device = common_device("embedding_backward", {&ids, &dy, &dtable});
  if (device.is_cpu()) return cpu::embedding_backward(ids, dy, dtable);
  unsupported_device("embedding_backward", device);
}

}  // namespace hone
