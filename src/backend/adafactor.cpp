#include "backend/adafactor.h"

#include "backend/cpu/adafactor_cpu.h"
#include "backend/dispatch.h"

namespace hone {

void adafactor_accumulate(const Tensor& grad, const AdafactorMoments& moments, const AdafactorRule& rule) {
  Device device = common_device("adafactor_accumulate", {&grad, &moments.row, &moments.col, &moments.variance});
  if (device.is_cpu()) return cpu::adafactor_accumulate(grad, moments, rule);
  unsupported_device("adafactor_accumulate", device);
}

double adafactor_update_sum_squares(const Tensor& grad, const AdafactorMoments& moments, const AdafactorRule& rule) {
  Device device =
      common_device("adafactor_update_sum_squares", {&grad, &moments.row, &moments.col, &moments.variance});
  if (device.is_cpu()) return cpu::adafactor_update_sum_squares(grad, moments, rule);
  unsupported_device("adafactor_update_sum_squares", device);
}

void adafactor_apply(const Tensor& value, const Tensor& grad, const AdafactorMoments& moments,
                     const AdafactorRule& rule, const AdafactorApply& apply, const Tensor& first_moment) {
  Device device = common_device("adafactor_apply", {&value, &grad, &moments.row, &moments.col, &moments.variance,
                                                    &first_moment});
  if (device.is_cpu()) return cpu::adafactor_apply(value, grad, moments, rule, apply, first_moment);
  unsupported_device("adafactor_apply", device);
}

}  // namespace hone
