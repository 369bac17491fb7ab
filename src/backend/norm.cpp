#include "backend/norm.h"

#include "backend/cpu/norm_cpu.h"
#include "backend/dispatch.h"

namespace hone {

void rms_norm_forward(const Tensor& x, const Tensor& weight, double eps, const Tensor& y, const Tensor& inv_rms) {
  Device device = common_device("rms_norm_forward", {&x, &weight, &y, &inv_rms});
  if (device.is_cpu()) return cpu::rms_norm_forward(x, weight, eps, y, inv_rms);
  unsupported_device("rms_norm_forward", device);
}

void rms_norm_backward(const Tensor& x, const Tensor& weight, const Tensor& inv_rms, const Tensor& dy,
                       const Tensor& dx, const Tensor& dweight) {
  Device device = common_device("rms_norm_backward", {&x, &weight, &inv_rms, &dy, &dx, &dweight});
  if (device.is_cpu()) return cpu::rms_norm_backward(x, weight, inv_rms, dy, dx, dweight);
  unsupported_device("rms_norm_backward", device);
}

void layer_norm_forward(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps, const Tensor& y,
                        const Tensor& mean, const Tensor& rstd) {
  Device device = common_device("layer_norm_forward", {&x, &weight, &bias, &y, &mean, &rstd});
  if (device.is_cpu()) return cpu::layer_norm_forward(x, weight, bias, eps, y, mean, rstd);
  unsupported_device("layer_norm_forward", device);
}

void layer_norm_backward(const Tensor& x, const Tensor& weight, const Tensor& mean, const Tensor& rstd,
                         const Tensor& dy, const Tensor& dx, const Tensor& dweight, const Tensor& dbias) {
  Device device = common_device("layer_norm_backward", {&x, &weight, &mean, &rstd, &dy, &dx, &dweight, &dbias});
  if (device.is_cpu()) return cpu::layer_norm_backward(x, weight, mean, rstd, dy, dx, dweight, dbias);
  unsupported_device("layer_norm_backward", device);
}

}  // namespace hone
