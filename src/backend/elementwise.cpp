#include "backend/elementwise.h"

#include "backend/cpu/elementwise_cpu.h"
#include "backend/dispatch.h"

namespace hone {

#define HONE_CPU_ONLY(kernel, ...)                                 \
  do {                                                             \
    Device device = common_device(kernel, {__VA_ARGS__});         \
    if (!device.is_cpu()) unsupported_device(kernel, device);     \
  } while (0)

void fill(const Tensor& t, double value) {
  HONE_CPU_ONLY("fill", &t);
  cpu::fill(t, value);
}
void copy(const Tensor& src, const Tensor& dst) {
  HONE_CPU_ONLY("copy", &src, &dst);
  cpu::copy(src, dst);
}
Tensor clone(const Tensor& src) { return clone_as(src, src.dtype()); }
Tensor clone_as(const Tensor& src, DType dtype) {
  Tensor out = Tensor::empty(src.shape(), dtype, src.device());
  copy(src, out);
  return out;
}
void axpy(double alpha, const Tensor& x, const Tensor& y) {
  HONE_CPU_ONLY("axpy", &x, &y);
  cpu::axpy(alpha, x, y);
}
void scale(const Tensor& t, double s) {
  HONE_CPU_ONLY("scale", &t);
  cpu::scale(t, s);
}
void add(const Tensor& a, const Tensor& b, const Tensor& out) {
  HONE_CPU_ONLY("add", &a, &b, &out);
  cpu::add(a, b, out);
}
double sum_squares(const Tensor& t) {
  HONE_CPU_ONLY("sum_squares", &t);
  return cpu::sum_squares(t);
}

}  // namespace hone
