#pragma once
#include "backend/adafactor.h"

namespace hone::cpu {

void adafactor_accumulate(const Tensor& grad, const AdafactorMoments& moments, const AdafactorRule& rule);
double adafactor_update_sum_squares(const Tensor& grad, const AdafactorMoments& moments, const AdafactorRule& rule);
void adafactor_apply(const Tensor& value, const Tensor& grad, const AdafactorMoments& moments,
                     const AdafactorRule& rule, const AdafactorApply& apply, const Tensor& first_moment);

}  // namespace hone::cpu
