#include "backend/positions.h"

#include "backend/cpu/positions_cpu.h"
#include "backend/dispatch.h"

namespace hone {

void segment_positions(const Tensor& segments, const Tensor& positions) {
  Device device = common_device("segment_positions", {&segments, &positions});
  if (device.is_cpu()) return cpu::segment_positions(segments, positions);
  unsupported_device("segment_positions", device);
}

}  // namespace hone
