#include "backend/gemm.h"

#include "backend/cpu/gemm_cpu.h"
#include "backend/dispatch.h"

namespace hone {

void gemm(const Tensor& a, Trans trans_a, const Tensor& b, Trans trans_b, const Tensor& c, double alpha, double beta) {
  Device device = common_device("gemm", {&a, &b, &c});
  if (device.is_cpu()) return cpu::gemm(a, trans_a, b, trans_b, c, alpha, beta);
  unsupported_device("gemm", device);
}

void gemm_batched(const Tensor& a, Trans trans_a, const Tensor& b, Trans trans_b, const Tensor& c, double alpha,
                  double beta) {
  Device device = common_device("gemm_batched", {&a, &b, &c});
  if (device.is_cpu()) return cpu::gemm_batched(a, trans_a, b, trans_b, c, alpha, beta);
  unsupported_device("gemm_batched", device);
}

}  // namespace hone
