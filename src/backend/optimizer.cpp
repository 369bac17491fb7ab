#include "backend/optimizer.h"

#include "backend/cpu/optimizer_cpu.h"
#include "backend/dispatch.h"

namespace hone {

void adamw_update(const Tensor& value, const Tensor& grad, const Tensor& m, const Tensor& v, const AdamWStep& step,
                  double grad_scale) {
  Device device = common_device("adamw_update", {&value, &grad, &m, &v});
  if (device.is_cpu()) return cpu::adamw_update(value, grad, m, v, step, grad_scale);
  unsupported_device("adamw_update", device);
}

}  // namespace hone
